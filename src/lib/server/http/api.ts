import { json, type RequestEvent } from '@sveltejs/kit';
import { getAppContext } from '../app-context.ts';
import { AppError, isAppError } from '../errors.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { errorMessage, fieldMessages } from '$lib/errors/messages.ts';
import { redactUrl } from './log-redaction.ts';
import { discardRefusedBody, discardRest } from './body-limit.ts';

/** `{error: {code, message, fields?}}`, the one shape of every refusal of the JSON API. */
export function errorResponse(error: AppError): Response {
	const headers: Record<string, string> = {};
	if (error.details.retryAfterSeconds) headers['retry-after'] = String(error.details.retryAfterSeconds);
	// A body refused before it was read whole is read to its end and thrown away (body-limit.ts),
	// so the client gets this answer and the connection can carry another request; one far too
	// large to wait for closes the connection there.
	return json(
		{
			error: {
				code: error.code,
				message: errorMessage(error.code, error.details),
				...(error.details.fields ? { fields: fieldMessages(error.details.fields) } : {}),
				...error.details.extra
			}
		},
		{ status: error.status, headers }
	);
}

/**
 * adapter-node's refusal of a body past BODY_SIZE_LIMIT (or longer than its Content-Length), met
 * while the body is read: a SvelteKitError with status 413, not one of ours.
 */
export function isBodyTooLarge(error: unknown): boolean {
	return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 413;
}

/**
 * The body's bytes, read chunk by chunk and given up as soon as they pass `maxBytes`: a chunked
 * body declares no length, so the declared length alone cannot be trusted to bound it.
 */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
	const declared = Number(request.headers.get('content-length') ?? 0);
	if (declared > maxBytes) {
		discardRefusedBody(request, declared, maxBytes);
		throw new AppError('payload_too_large');
	}
	if (!request.body) return new Uint8Array();
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			size += value.byteLength;
			if (size > maxBytes) {
				// The client is still sending: what follows is read and thrown away, so it gets the 413.
				discardRest(reader, size, maxBytes);
				throw new AppError('payload_too_large');
			}
			chunks.push(value);
		}
	} catch (error) {
		if (isBodyTooLarge(error)) throw new AppError('payload_too_large');
		throw error;
	}
	return Buffer.concat(chunks);
}

async function readBodyText(request: Request, maxBytes: number): Promise<string> {
	return Buffer.from(await readBodyBytes(request, maxBytes)).toString('utf8');
}

/** Reads a JSON body within the configured size limit; refuses anything else clearly. */
export async function readJson(request: Request): Promise<unknown> {
	const { maxJsonBytes } = getAppContext();
	const declared = Number(request.headers.get('content-length') ?? 0);
	if (declared > maxJsonBytes) {
		discardRefusedBody(request, declared, maxJsonBytes);
		throw new AppError('payload_too_large');
	}
	const text = await readBodyText(request, maxJsonBytes);
	if (text.trim() === '') return {};
	try {
		return JSON.parse(text);
	} catch {
		throw new AppError('bad_json');
	}
}

export function requireUser(event: Pick<RequestEvent, 'locals'>): SessionUser {
	if (!event.locals.user) throw new AppError('unauthorized');
	return event.locals.user;
}

/**
 * Wraps an API handler: known refusals become their JSON error, anything else is logged and
 * answered as `internal` without a stack trace.
 */
export function apiRoute<E extends RequestEvent>(handler: (event: E) => Promise<Response>) {
	return async (event: E): Promise<Response> => {
		try {
			return await handler(event);
		} catch (error) {
			if (isAppError(error)) return errorResponse(error);
			if (isBodyTooLarge(error)) return errorResponse(new AppError('payload_too_large'));
			(event.locals.logger ?? getAppContext().logger).error({ err: error, path: redactUrl(event.url.pathname) }, 'API handler failed');
			return errorResponse(new AppError('internal'));
		}
	};
}
