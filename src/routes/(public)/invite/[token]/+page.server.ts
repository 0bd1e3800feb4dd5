import { redirect, type RequestEvent } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages.js';
import { isAppError } from '$lib/server/errors.ts';
import { getAppContext } from '$lib/server/app-context.ts';
import type { SessionUser } from '$lib/server/auth/sessions.ts';
import { logInAndStartSession, resendEmailVerification, signUpAndStartSession } from '$lib/server/auth/login-flow.ts';
import { acceptInvitation, previewInvitation } from '$lib/server/invitations/service.ts';
import { failForm, formFields, signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import { signupFailure } from '$lib/auth/auth-failures.server.ts';
import type { Actions, PageServerLoad } from './$types';
import { notificationDeps } from '$lib/server/notifications/deps.ts';

export const load = (async ({ params, locals }) => {
	try {
		return {
			invitation: await previewInvitation(getAppContext().db, params.token),
			emailVerified: locals.user?.emailVerified ?? false
		};
	} catch (err) {
		throwPageError(err, { not_found: { message: m.invite_unknown(), code: 'invitation_unknown' } });
	}
}) satisfies PageServerLoad;

/**
 * Joins the table and goes there; a refusal (expired, wrong email…) is shown on the page. An
 * unverified address comes back to this page, now signed in: it explains what to do and offers
 * to send the confirmation mail again.
 */
async function acceptAndGo(user: SessionUser, token: string, requestOrigin: string) {
	let tableId: string;
	try {
		({ tableId } = await acceptInvitation(getAppContext().db, user, token, notificationDeps(requestOrigin)));
	} catch (err) {
		if (!isAppError(err) || err.code !== 'email_not_verified') return failForm(err, 'accept');
		redirect(303, `/invite/${token}`);
	}
	redirect(303, `/tables/${tableId}`);
}

async function readValues(event: RequestEvent) {
	return formFields(await event.request.formData());
}

export const actions = {
	accept: async (event) => acceptAndGo(signedInUser(event), event.params.token, event.url.origin),

	signup: async (event) => {
		const values = await readValues(event);
		let user: SessionUser;
		try {
			user = await signUpAndStartSession(values, event.cookies, { origin: event.url.origin, address: event.getClientAddress() });
		} catch (err) {
			return signupFailure(err, 'signup', values);
		}
		return acceptAndGo(user, event.params.token, event.url.origin);
	},

	/** An unverified account on a personal invitation asks for the confirmation mail again. */
	resend: async (event) => {
		const user = signedInUser(event);
		try {
			await resendEmailVerification(user, event.url.origin, event.getClientAddress());
		} catch (err) {
			return failForm(err, 'resend');
		}
		return { form: 'resend', success: m.verify_resend_sent({ email: user.email }) };
	},

	login: async (event) => {
		const values = await readValues(event);
		let user: SessionUser;
		try {
			user = await logInAndStartSession(values, event.cookies, event.getClientAddress());
		} catch (err) {
			return failForm(err, 'login', values);
		}
		return acceptAndGo(user, event.params.token, event.url.origin);
	}
} satisfies Actions;
