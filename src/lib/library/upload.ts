import { m } from '$lib/paraglide/messages.js';
import type { Attachment } from './attachment.ts';

export type UploadResult = { ok: true; attachment: Attachment } | { ok: false; message: string };

export interface Upload {
	done: Promise<UploadResult>;
	abort(): void;
}

/**
 * Sends a library file with XMLHttpRequest, the one browser API that reports upload progress
 * (fetch does not): `onprogress` gets 0–100 as the bytes leave. The server's refusal comes back
 * in its own words ({error: {message}}).
 */
export function uploadAttachment(tableId: string, form: FormData, onprogress: (percent: number) => void): Upload {
	const request = new XMLHttpRequest();
	const done = new Promise<UploadResult>((resolve) => {
		request.upload.addEventListener('progress', (event) => {
			if (event.lengthComputable) onprogress(Math.min(100, Math.round((event.loaded / event.total) * 100)));
		});
		request.addEventListener('load', () => {
			let body: { error?: { message?: string } } | Attachment | null;
			try {
				body = JSON.parse(request.responseText);
			} catch {
				body = null;
			}
			if (request.status === 201 && body && 'id' in body) return resolve({ ok: true, attachment: body });
			const message = body && 'error' in body && body.error?.message ? body.error.message : m.lib_upload_network();
			resolve({ ok: false, message });
		});
		request.addEventListener('error', () => resolve({ ok: false, message: m.lib_upload_network() }));
		request.addEventListener('abort', () => resolve({ ok: false, message: '' }));
	});
	request.open('POST', `/api/v1/tables/${encodeURIComponent(tableId)}/attachments`);
	request.setRequestHeader('accept', 'application/json');
	request.send(form);
	return { done, abort: () => request.abort() };
}
