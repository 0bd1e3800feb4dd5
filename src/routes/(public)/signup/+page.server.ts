import { redirect } from '@sveltejs/kit';
import { signUpAndStartSession } from '$lib/server/auth/login-flow.ts';
import { formFields, safeRedirectPath } from '$lib/forms/page-errors.server.ts';
import { signupFailure } from '$lib/auth/auth-failures.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (({ locals, url }) => {
	const redirectTo = safeRedirectPath(url.searchParams.get('redirectTo'));
	if (locals.user) redirect(303, redirectTo);
	return { redirectTo };
}) satisfies PageServerLoad;

export const actions = {
	default: async ({ request, cookies }) => {
		const values = formFields(await request.formData());
		try {
			await signUpAndStartSession(values, cookies);
		} catch (err) {
			return signupFailure(err, 'signup', values);
		}
		redirect(303, safeRedirectPath(values.redirectTo));
	}
} satisfies Actions;
