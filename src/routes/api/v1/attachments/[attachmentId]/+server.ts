import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { deleteAttachment, readAttachment } from '$lib/server/attachments/service.ts';
import { contentDisposition } from '$lib/server/attachments/file-types.ts';
import type { RequestHandler } from './$types';

/** The file's bytes, for members of its table, as a download under a safe name. */
export const GET: RequestHandler = apiRoute(async (event) => {
	const { attachment, bytes } = await readAttachment(getAppContext().db, requireUser(event), event.params.attachmentId);
	return new Response(new Uint8Array(bytes), {
		headers: {
			'content-type': attachment.contentType,
			'content-length': String(bytes.byteLength),
			'content-disposition': contentDisposition(attachment.filename),
			'x-content-type-options': 'nosniff',
			// Opened on its own, a file runs nothing and loads nothing.
			'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
			etag: `"${attachment.sha256}"`,
			'cache-control': 'private, no-cache'
		}
	});
});

/** By its uploader or a coordinator: the file and its versions. */
export const DELETE: RequestHandler = apiRoute(async (event) => {
	await deleteAttachment(getAppContext().db, requireUser(event), event.params.attachmentId);
	return json({ ok: true });
});
