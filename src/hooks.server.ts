import type { Handle, HandleServerError } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { paraglideMiddleware } from '$lib/paraglide/server.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { SESSION_COOKIE } from '$lib/server/auth/sessions.ts';
import { clearSessionCookie, setSessionCookie } from '$lib/server/auth/cookies.ts';
import { isAllowedOrigin } from '$lib/server/auth/origin.ts';
import { AppError, isAppError } from '$lib/server/errors.ts';
import { errorResponse } from '$lib/server/http/api.ts';
import { errorMessage } from '$lib/errors/messages.ts';
import { REQUEST_ID_HEADER, requestIdFrom } from '$lib/server/http/request-id.ts';
import { redactUrl } from '$lib/server/http/log-redaction.ts';
import { m } from '$lib/paraglide/messages.js';
import { fieldsWithControlCharacters } from '$lib/server/validation.ts';
import { controlCharacters } from '$lib/domain/control-characters.ts';
import { bodyLimitFor, discardRefusedBody, limitBody } from '$lib/server/http/body-limit.ts';

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

/**
 * A path or query holding a control character (`/api/v1/documents/%00`) reached the database as a
 * parameter, and PostgreSQL refuses NUL in text: a 500. Refused here for every route, naming the
 * query parameter (or `path`); request bodies are checked by parseInput.
 */
const handleControlCharacters: Handle = ({ event, resolve }) => {
	const fields = fieldsWithControlCharacters(Object.fromEntries(event.url.searchParams));
	try {
		if (controlCharacters.test(decodeURIComponent(event.url.pathname))) fields.push('path');
	} catch {
		// A malformed escape: SvelteKit answers it as it does any path it cannot route.
	}
	if (fields.length === 0) return resolve(event);
	const error = new AppError('validation_failed', {
		fields: Object.fromEntries(fields.map((field) => [field, 'invalid_characters' as const]))
	});
	if (event.url.pathname.startsWith('/api/')) return errorResponse(error);
	return new Response(m.field_invalid_characters(), { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' } });
};

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

/**
 * One cap per client address (TAVOLO_API_REQUESTS_PER_MINUTE) for every request that changes
 * state, JSON API and page form actions alike (a form action is a POST to a page), and for every
 * JSON API read. Reading pages is not counted: people reading the app are never locked out.
 */
const handleRequestRate: Handle = async ({ event, resolve }) => {
	const api = event.url.pathname.startsWith('/api/');
	if (!api && safeMethods.has(event.request.method)) return resolve(event);
	try {
		await getAppContext().apiLimiter.consume(event.getClientAddress());
	} catch (error) {
		if (!isAppError(error)) throw error;
		if (api) return errorResponse(error);
		return refusedFormAction(event.request, error);
	}
	return resolve(event);
};

/**
 * A form action refused before it ran, answered as SvelteKit answers actions: plain text for a
 * form a browser posted without JavaScript (it asks for HTML), an ActionResult otherwise
 * (`use:enhance`, whose page then shows the error); both with the status and Retry-After.
 */
function refusedFormAction(request: Request, error: AppError): Response {
	const message = errorMessage(error.code, error.details);
	const headers: Record<string, string> = {};
	if (error.details.retryAfterSeconds) headers['retry-after'] = String(error.details.retryAfterSeconds);
	const wantsHtml = (request.headers.get('accept') ?? '').includes('text/html');
	if (request.headers.get('x-sveltekit-action') === 'true' || !wantsHtml) {
		return Response.json({ type: 'error', status: error.status, error: { message, code: error.code } }, { status: error.status, headers });
	}
	return new Response(message, { status: error.status, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' } });
}

/**
 * The largest body each route accepts (a library file on its upload route, TAVOLO_MAX_BODY_BYTES
 * elsewhere): a declared length past it is refused at once, a longer stream as it arrives.
 */
const handleBodySize: Handle = ({ event, resolve }) => {
	if (safeMethods.has(event.request.method)) return resolve(event);
	const maxBytes = bodyLimitFor(event.request.method, event.url.pathname, getAppContext().bodyLimits);
	const declared = Number(event.request.headers.get('content-length') ?? 0);
	if (declared > maxBytes) {
		const error = new AppError('payload_too_large');
		const refusal = event.url.pathname.startsWith('/api/') ? errorResponse(error) : refusedFormAction(event.request, error);
		// The client is still sending: the body is read and thrown away so that it gets this answer,
		// not a reset; one far too large to wait for closes the connection instead.
		if (!discardRefusedBody(event.request, declared, maxBytes)) refusal.headers.set('connection', 'close');
		return refusal;
	}
	event.request = limitBody(event.request, maxBytes);
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

// The Origin check comes first: a page elsewhere could make its visitors' browsers post to us,
// and must not spend the cap of their (office) address.
export const handle = sequence(
	handleRequestId,
	handleLocale,
	handleOrigin,
	handleRequestRate,
	handleBodySize,
	handleControlCharacters,
	handleSession,
	handleHeaders
);

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404)
		(event.locals.logger ?? getAppContext().logger).error({ err: error, path: redactUrl(event.url.pathname) }, 'request failed');
	return { message: status === 404 ? m.error_not_found() : m.error_internal(), code: status === 404 ? 'not_found' : 'internal' };
};
