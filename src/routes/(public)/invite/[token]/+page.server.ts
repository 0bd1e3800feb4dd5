import { redirect, type RequestEvent } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import type { SessionUser } from '$lib/server/auth/sessions.ts';
import { logInAndStartSession, signUpAndStartSession } from '$lib/server/auth/login-flow.ts';
import { acceptInvitation, previewInvitation } from '$lib/server/invitations/service.ts';
import { failForm, formFields, signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import { signupFailure } from '$lib/auth/auth-failures.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ params }) => {
	try {
		return { invitation: await previewInvitation(getAppContext().db, params.token) };
	} catch (err) {
		throwPageError(err, { not_found: { message: m.invite_unknown(), code: 'invitation_unknown' } });
	}
}) satisfies PageServerLoad;

/** Joins the table and goes there; a refusal (expired, wrong email…) is shown on the page. */
async function acceptAndGo(user: SessionUser, token: string) {
	let tableId: string;
	try {
		({ tableId } = await acceptInvitation(getAppContext().db, user, token));
	} catch (err) {
		return failForm(err, 'accept');
	}
	redirect(303, `/tables/${tableId}`);
}

async function readValues(event: RequestEvent) {
	return formFields(await event.request.formData());
}

export const actions = {
	accept: async (event) => acceptAndGo(signedInUser(event), event.params.token),

	signup: async (event) => {
		const values = await readValues(event);
		let user: SessionUser;
		try {
			user = await signUpAndStartSession(values, event.cookies);
		} catch (err) {
			return signupFailure(err, 'signup', values);
		}
		return acceptAndGo(user, event.params.token);
	},

	login: async (event) => {
		const values = await readValues(event);
		let user: SessionUser;
		try {
			user = await logInAndStartSession(values, event.cookies, event.getClientAddress());
		} catch (err) {
			return failForm(err, 'login', values);
		}
		return acceptAndGo(user, event.params.token);
	}
} satisfies Actions;
