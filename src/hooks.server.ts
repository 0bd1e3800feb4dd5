import type { Handle, HandleServerError } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { paraglideMiddleware } from '$lib/paraglide/server.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { SESSION_COOKIE } from '$lib/server/auth/sessions.ts';
import { clearSessionCookie, setSessionCookie } from '$lib/server/auth/cookies.ts';
import { isAllowedOrigin } from '$lib/server/auth/origin.ts';
import { AppError, isAppError } from '$lib/server/errors.ts';
import { errorResponse } from '$lib/server/http/api.ts';
import { REQUEST_ID_HEADER, requestIdFrom } from '$lib/server/http/request-id.ts';
import { m } from '$lib/paraglide/messages.js';

/**
 * The request's id, chosen by server/http-server.ts (or here under `vite dev`, which has no Node
 * entry), and a logger carrying it for everything this request logs.
 */
const handleRequestId: Handle = async ({ event, resolve }) => {
	event.locals.requestId = requestIdFrom(event.request.headers.get(REQUEST_ID_HEADER));
	event.locals.logger = getAppContext().logger.child({ reqId: event.locals.requestId });
	const response = await resolve(event);
	if (!response.headers.has(REQUEST_ID_HEADER)) {
		try {
			response.headers.set(REQUEST_ID_HEADER, event.locals.requestId);
		} catch {
			// A response with immutable headers (a fetched one passed through): the Node entry set it already.
		}
	}
	return response;
};

const handleLocale: Handle = ({ event, resolve }) =>
	paraglideMiddleware(event.request, ({ request, locale }) => {
		event.request = request;
		return resolve(event, {
			transformPageChunk: ({ html }) => html.replace('%lang%', locale)
		});
	});

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** CSRF: every state-changing request, form or JSON, must come from our own origin. */
const handleOrigin: Handle = ({ event, resolve }) => {
	if (safeMethods.has(event.request.method)) return resolve(event);
	const { origin } = getAppContext();
	if (isAllowedOrigin(event.request.headers.get('origin'), event.request.headers.get('host'), origin)) {
		return resolve(event);
	}
	if (event.url.pathname.startsWith('/api/')) return errorResponse(new AppError('bad_origin'));
	return new Response(m.error_bad_origin(), { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8' } });
};

/** The JSON API is capped per client address (TAVOLO_API_REQUESTS_PER_MINUTE). */
const handleApiRate: Handle = async ({ event, resolve }) => {
	if (!event.url.pathname.startsWith('/api/')) return resolve(event);
	try {
		await getAppContext().apiLimiter.consume(event.getClientAddress());
	} catch (error) {
		if (isAppError(error)) return errorResponse(error);
		throw error;
	}
	return resolve(event);
};

/** Sessions are validated once per request, into typed locals (CONVENTIONS §2). */
const handleSession: Handle = async ({ event, resolve }) => {
	const context = getAppContext();
	const token = event.cookies.get(SESSION_COOKIE);
	event.locals.user = null;
	event.locals.session = null;
	if (token) {
		const validation = await context.sessions.validate(token);
		if (validation) {
			event.locals.user = validation.user;
			event.locals.session = validation.session;
			if (validation.refreshed) setSessionCookie(event.cookies, token, validation.session.expiresAt, context.secureCookies);
		} else {
			clearSessionCookie(event.cookies, context.secureCookies);
		}
	}
	return resolve(event);
};

const handleHeaders: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'same-origin');
	if (!response.headers.has('x-frame-options')) response.headers.set('x-frame-options', 'DENY');
	return response;
};

export const handle = sequence(handleRequestId, handleLocale, handleApiRate, handleOrigin, handleSession, handleHeaders);

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404) (event.locals.logger ?? getAppContext().logger).error({ err: error, path: event.url.pathname }, 'request failed');
	return { message: status === 404 ? m.error_not_found() : m.error_internal(), code: status === 404 ? 'not_found' : 'internal' };
};
