import { json, type RequestEvent } from '@sveltejs/kit';
import { getAppContext } from '../app-context.ts';
import { AppError, isAppError } from '../errors.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { errorMessage, fieldMessages } from '$lib/errors/messages.ts';

/** `{error: {code, message, fields?}}`, the one shape of every refusal of the JSON API. */
export function errorResponse(error: AppError): Response {
	const headers: Record<string, string> = {};
	if (error.details.retryAfterSeconds) headers['retry-after'] = String(error.details.retryAfterSeconds);
	return json(
		{
			error: {
				code: error.code,
				message: errorMessage(error.code, error.details),
				...(error.details.fields ? { fields: fieldMessages(error.details.fields) } : {})
			}
		},
		{ status: error.status, headers }
	);
}

/** Reads a JSON body within the configured size limit; refuses anything else clearly. */
export async function readJson(request: Request): Promise<unknown> {
	const { maxJsonBytes } = getAppContext();
	const declared = Number(request.headers.get('content-length') ?? 0);
	if (declared > maxJsonBytes) throw new AppError('payload_too_large');
	const text = await request.text();
	if (Buffer.byteLength(text) > maxJsonBytes) throw new AppError('payload_too_large');
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
			(event.locals.logger ?? getAppContext().logger).error({ err: error, path: event.url.pathname }, 'API handler failed');
			return errorResponse(new AppError('internal'));
		}
	};
}
