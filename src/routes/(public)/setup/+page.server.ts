import { redirect } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { setUpAndStartSession } from '$lib/server/auth/login-flow.ts';
import { formFields } from '$lib/forms/page-errors.server.ts';
import { signupFailure } from '$lib/auth/auth-failures.server.ts';
import { isAppError } from '$lib/server/errors.ts';
import { isFirstRun } from '$lib/server/organization/setup.ts';
import type { Actions, PageServerLoad } from './$types';

/** The first run; once any account exists the page is gone (signing in or up is the way in). */
export const load = (async ({ locals }) => {
	if (locals.user || !(await isFirstRun(getAppContext().db))) redirect(303, '/');
	return {};
}) satisfies PageServerLoad;

export const actions = {
	default: async ({ request, cookies, url, getClientAddress }) => {
		const values = formFields(await request.formData());
		// The form's `organization.name`, `organization.place`… make the API's nested object, so a
		// refused field comes back under the name it has in the form.
		const organization = Object.fromEntries(
			Object.entries(values)
				.filter(([key]) => key.startsWith('organization.'))
				.map(([key, value]) => [key.slice('organization.'.length), value])
		);
		try {
			await setUpAndStartSession({ name: values.name, email: values.email, password: values.password, organization }, cookies, {
				origin: url.origin,
				address: getClientAddress()
			});
		} catch (err) {
			if (isAppError(err) && err.code === 'already_set_up') redirect(303, '/login');
			return signupFailure(err, 'setup', values);
		}
		redirect(303, '/');
	}
} satisfies Actions;
