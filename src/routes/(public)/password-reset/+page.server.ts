import { getAppContext } from '$lib/server/app-context.ts';
import { askPasswordReset } from '$lib/server/auth/login-flow.ts';
import { failForm, formFields } from '$lib/forms/page-errors.server.ts';
import type { Actions } from './$types';

export const actions = {
	/** The same answer whether or not the address has an account (see `requestPasswordReset`). */
	default: async ({ request, url, getClientAddress }) => {
		const values = formFields(await request.formData());
		try {
			await askPasswordReset(values, url.origin, getClientAddress());
		} catch (err) {
			return failForm(err, 'reset', values);
		}
		return { form: 'reset', sentTo: (values.email ?? '').trim(), minutes: getAppContext().accountLinks.passwordResetMinutes };
	}
} satisfies Actions;
