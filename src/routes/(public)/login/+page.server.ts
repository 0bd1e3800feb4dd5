import { redirect } from '@sveltejs/kit';
import { logInAndStartSession } from '$lib/server/auth/login-flow.ts';
import { failForm, formFields, safeRedirectPath } from '$lib/forms/page-errors.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (({ locals, url }) => {
	const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'));
	if (locals.user) redirect(303, redirectTo);
	return { redirectTo };
}) satisfies PageServerLoad;

export const actions = {
	default: async ({ request, cookies, getClientAddress }) => {
		const values = formFields(await request.formData());
		try {
			await logInAndStartSession(values, cookies, getClientAddress());
		} catch (err) {
			return failForm(err, 'login', values);
		}
		redirect(303, safeRedirectPath(values.redirectTo));
	}
} satisfies Actions;
