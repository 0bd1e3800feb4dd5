import { error } from '@sveltejs/kit';

/** Room for the multipart envelope around a file (boundaries, part headers, a title). */
export const multipartAllowance = 64 * 1024;

/** The one route whose body may be a whole library file: POST /api/v1/tables/:id/attachments. */
const attachmentUpload = /^\/api\/v1\/tables\/[^/]+\/attachments\/?$/;

export interface BodyLimits {
	/** TAVOLO_ATTACHMENT_MAX_BYTES: the largest library file. */
	attachmentMaxBytes: number;
	/** TAVOLO_MAX_BODY_BYTES: every other request body. */
	maxBodyBytes: number;
}

/**
 * The largest body a request may carry, by route: a library upload gets its file's limit plus the
 * multipart envelope, everything else the general limit (adapter-node's BODY_SIZE_LIMIT is set to
 * Infinity by server/app.ts, so this is the one place that decides).
 */
export function bodyLimitFor(method: string, pathname: string, limits: BodyLimits): number {
	if (method === 'POST' && attachmentUpload.test(pathname)) return limits.attachmentMaxBytes + multipartAllowance;
	return limits.maxBodyBytes;
}

/**
 * SvelteKit's own refusal (an HttpError with status 413), so a form action refused while it
 * reads its body answers 413 as adapter-node's limit did, and the JSON API's `apiRoute` maps it
 * to `payload_too_large`.
 */
function tooLarge(maxBytes: number): unknown {
	try {
		error(413, `The request body exceeds ${maxBytes} bytes.`);
	} catch (refusal) {
		return refusal;
	}
}

/**
 * The request with a body that errors as soon as it passes `maxBytes`: a chunked body declares no
 * length, so counting what arrives is the only bound. Bodiless requests pass as they are.
 */
export function limitBody(request: Request, maxBytes: number): Request {
	if (!request.body) return request;
	let size = 0;
	const counted = request.body.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, controller) {
				size += chunk.byteLength;
				if (size > maxBytes) controller.error(tooLarge(maxBytes));
				else controller.enqueue(chunk);
			}
		})
	);
	return new Request(request.url, {
		method: request.method,
		headers: request.headers,
		body: counted,
		signal: request.signal,
		// Node's fetch needs it for a streamed body.
		duplex: 'half'
	} as RequestInit);
}
