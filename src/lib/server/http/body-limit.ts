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
 * How much of a refused body is still read, and thrown away, after the 413: a client is still
 * sending when the answer goes out, and a connection closed under it is reset (the client sees
 * ECONNRESET instead of the 413, as a browser or a proxy would). Four times the limit, and at
 * least 4 MiB (cheap to read and drop); past this, the connection closes.
 */
export function refusedBodyDrainBytes(maxBytes: number): number {
	return Math.max(4 * maxBytes, 4 * 1024 * 1024);
}

/**
 * Reads what is left of a body refused while it was read (`alreadyRead` bytes in), and throws it
 * away, up to `refusedBodyDrainBytes(maxBytes)` in all; past that, it lets go and the connection closes.
 */
export function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>, alreadyRead: number, maxBytes: number): void {
	void drain(reader, alreadyRead, refusedBodyDrainBytes(maxBytes));
}

/** Reads what is left of a refused body, up to `limit` bytes in all, then lets go of it. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, alreadyRead: number, limit: number): Promise<void> {
	let read = alreadyRead;
	try {
		while (read <= limit) {
			const { done, value } = await reader.read();
			if (done) return;
			read += value.byteLength;
		}
		await reader.cancel();
	} catch {
		// The client went away: nothing more to read.
	}
}

/**
 * Lets a body refused before it was read (its declared length is over the limit) arrive and be
 * thrown away, while the 413 goes out. Returns false when it is too large to wait for: the answer
 * must then close the connection.
 */
export function discardRefusedBody(request: Request, declaredBytes: number, maxBytes: number): boolean {
	if (!request.body) return true;
	if (declaredBytes > refusedBodyDrainBytes(maxBytes)) {
		// Never read: letting go of it ends the connection.
		request.body.cancel().catch(() => {});
		return false;
	}
	discardRest(request.body.getReader(), 0, maxBytes);
	return true;
}

/**
 * The request with a body that errors as soon as it passes `maxBytes`: a chunked body declares no
 * length, so counting what arrives is the only bound. What the client still sends after that is
 * read and thrown away (up to `refusedBodyDrainBytes`), so it gets the 413 rather than a reset.
 * Bodiless requests pass as they are.
 */
export function limitBody(request: Request, maxBytes: number): Request {
	if (!request.body) return request;
	const source = request.body.getReader();
	let size = 0;
	const counted = new ReadableStream<Uint8Array>({
		async pull(controller) {
			const { done, value } = await source.read();
			if (done) return controller.close();
			size += value.byteLength;
			if (size <= maxBytes) return controller.enqueue(value);
			controller.error(tooLarge(maxBytes));
			discardRest(source, size, maxBytes);
		},
		cancel(reason) {
			return source.cancel(reason);
		}
	});
	return new Request(request.url, {
		method: request.method,
		headers: request.headers,
		body: counted,
		signal: request.signal,
		// Node's fetch needs it for a streamed body.
		duplex: 'half'
	} as RequestInit);
}
