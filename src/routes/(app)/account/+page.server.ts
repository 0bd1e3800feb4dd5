import { redirect } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages.js';
import { changePasswordAndEndOtherSessions } from '$lib/server/auth/login-flow.ts';
import { isAppError } from '$lib/server/errors.ts';
import { textLimits } from '$lib/server/validation.ts';
import { failForm, formFields, loginPath, signedInUser } from '$lib/forms/page-errors.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = ((event) => {
	const user = signedInUser(event);
	return { account: { name: user.name, email: user.email } };
}) satisfies PageServerLoad;

export const actions = {
	password: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		const session = event.locals.session;
		if (!session) redirect(303, loginPath(event.url));
		try {
			await changePasswordAndEndOtherSessions(user, session, values, event.getClientAddress(), event.locals.logger);
		} catch (err) {
			const failure = failForm(err, 'password', values);
			// Passwords are never sent back to the page.
			failure.data.values = {};
			if (isAppError(err) && err.details.fields?.newPassword === 'too_short' && values.newPassword) {
				failure.data.fields.newPassword = m.field_password_too_short({ min: textLimits.passwordMin });
			}
			return failure;
		}
		return { form: 'password', success: m.account_password_changed() };
	}
} satisfies Actions;
