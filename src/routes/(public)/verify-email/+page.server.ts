import { verifyEmailAddress } from '$lib/server/auth/login-flow.ts';
import { failForm, formFields } from '$lib/forms/page-errors.server.ts';
import type { Actions, PageServerLoad } from './$types';

/**
 * The link from the verification mail. Opening it changes nothing: the person presses a button
 * (a POST), so a mail scanner that follows links cannot use up the token.
 */
export const load = (({ url }) => ({ token: url.searchParams.get('token') ?? '' })) satisfies PageServerLoad;

export const actions = {
	default: async ({ request }) => {
		const values = formFields(await request.formData());
		try {
			await verifyEmailAddress({ token: values.token ?? '' });
		} catch (err) {
			return failForm(err, 'verify');
		}
		return { form: 'verify', verified: true };
	}
} satisfies Actions;
