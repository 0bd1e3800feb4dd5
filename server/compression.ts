import type { IncomingMessage, ServerResponse } from 'node:http';
import compression from 'compression';

/** Paths whose HTTP requests belong to the realtime transports: never compressed here. */
const realtimePrefixes = ['/socket.io', '/yjs'] as const;

/**
 * Whether a response of the SvelteKit handler may be compressed, asked once its headers are set.
 * Left alone: the realtime transports' requests, server-sent events and any response without a
 * Content-Length (a streamed page or body: compressing would hold its chunks back until the
 * compressor's buffer fills), and what `compression.filter` does not find compressible (images,
 * fonts, archives, PDFs and DOCX exports, already compressed). Responses already encoded (the
 * precompressed build assets, served with their Content-Encoding) are skipped by the middleware.
 */
export function mayCompress(req: IncomingMessage, res: ServerResponse): boolean {
	const path = req.url?.split('?')[0] ?? '';
	if (realtimePrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return false;
	const type = String(res.getHeader('content-type') ?? '');
	if (/^\s*text\/event-stream/i.test(type)) return false;
	if (res.getHeader('content-length') === undefined) return false;
	return compression.filter(req, res);
}

/**
 * Brotli or gzip for dynamic responses (pages, data, JSON), as the client's Accept-Encoding asks
 * (brotli preferred), from `minBytes` bytes: the `compression` middleware of Express, which
 * negotiates, sets Vary and drops the Content-Length of what it encodes. Brotli at quality 4
 * (the middleware's default): close to gzip's speed and smaller, right for a page made per request.
 */
export function createCompression(minBytes: number) {
	return compression({ threshold: minBytes, filter: mayCompress });
}
