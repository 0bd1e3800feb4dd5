import { redirect } from '@sveltejs/kit';
import { logInAndStartSession } from '$lib/server/auth/login-flow.ts';
import { failForm, formFields } from '$lib/forms/page-errors.server.ts';
import { safeRedirectPath } from '$lib/server/http/redirect-path.ts';
import { getAppContext } from '$lib/server/app-context.ts';
import { isFirstRun } from '$lib/server/organization/setup.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'), url.origin);
	if (locals.user) redirect(303, redirectTo);
	// A fresh install points to its first run: the admin account and the organisation at once.
	return { redirectTo, firstRun: await isFirstRun(getAppContext().db) };
}) satisfies PageServerLoad;

export const actions = {
	default: async ({ request, cookies, getClientAddress, url }) => {
		const values = formFields(await request.formData());
		try {
			await logInAndStartSession(values, cookies, getClientAddress());
		} catch (err) {
			return failForm(err, 'login', values);
		}
		redirect(303, safeRedirectPath(values.redirectTo, url.origin));
	}
} satisfies Actions;
