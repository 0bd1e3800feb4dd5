import { error, fail, redirect, type ActionFailure, type RequestEvent } from '@sveltejs/kit';
import { isAppError, type ErrorCode } from '$lib/server/errors.ts';
import type { SessionUser } from '$lib/server/auth/sessions.ts';
import { errorMessage, fieldMessages } from '$lib/errors/messages.ts';
import { m } from '$lib/paraglide/messages.js';

export interface FormFailure {
	form: string;
	message: string;
	fields: Record<string, string>;
	values: Record<string, string>;
}

/** The signed-in user, or a redirect to the login page that comes back here afterwards. */
export function signedInUser(event: Pick<RequestEvent, 'locals' | 'url'>): SessionUser {
	if (!event.locals.user) redirect(303, loginPath(event.url));
	return event.locals.user;
}

export function loginPath(url: URL): string {
	return `/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`;
}

/** A form's text fields as a plain object (files and repeated keys are not used by our forms). */
export function formFields(data: FormData): Record<string, string> {
	const fields: Record<string, string> = {};
	for (const [key, value] of data) if (typeof value === 'string' && !(key in fields)) fields[key] = value;
	return fields;
}

/**
 * A refusal the person can act on becomes `fail()` with the localized summary and per-field
 * messages, and the values to put back (never passwords); anything else goes to the error page.
 */
export function failForm(
	err: unknown,
	form: string,
	values: Record<string, string> = {},
	fieldNames: Record<string, string> = {}
): ActionFailure<FormFailure> {
	if (!isAppError(err) || err.status >= 500) throw err;
	const fields: Record<string, string> = {};
	for (const [key, message] of Object.entries(fieldMessages(err.details.fields))) {
		// A field left blank is "required", whatever rule (length, format) refused it first.
		const blank = key in values && values[key].trim() === '';
		fields[fieldNames[key] ?? key] = blank ? m.field_required() : message;
	}
	const { password: _password, ...kept } = values;
	return fail(err.status, { form, message: errorMessage(err.code, err.details), fields, values: kept });
}

/** A refusal while loading a page becomes the error page, with its message in the reader's language. */
export function throwPageError(err: unknown, overrides: Partial<Record<ErrorCode, App.Error>> = {}): never {
	if (isAppError(err)) error(err.status, overrides[err.code] ?? { message: errorMessage(err.code, err.details), code: err.code });
	throw err;
}
