import { redirect } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages.js';
import { changePasswordAndEndOtherSessions, resendEmailVerification } from '$lib/server/auth/login-flow.ts';
import { isAppError } from '$lib/server/errors.ts';
import { textLimits } from '$lib/server/validation.ts';
import { failForm, formFields, loginPath, signedInUser } from '$lib/forms/page-errors.server.ts';
import { getAppContext } from '$lib/server/app-context.ts';
import { getEmailMode, setEmailMode } from '$lib/server/notifications/service.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	const { db, notifications } = getAppContext();
	return {
		account: { name: user.name, email: user.email, emailVerified: user.emailVerified },
		notificationSettings: { emailMode: await getEmailMode(db, user.id), digestHour: notifications.digestHour }
	};
}) satisfies PageServerLoad;

export const actions = {
	/** How notifications arrive by e-mail: `emailMode`. */
	notifications: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			await setEmailMode(getAppContext().db, user, { emailMode: values.emailMode });
		} catch (err) {
			return failForm(err, 'notifications', values);
		}
		return { form: 'notifications', success: m.notif_settings_saved() };
	},
	resend: async (event) => {
		const user = signedInUser(event);
		try {
			await resendEmailVerification(user, event.url.origin, event.getClientAddress());
		} catch (err) {
			return failForm(err, 'resend');
		}
		return { form: 'resend', success: m.verify_resend_sent({ email: user.email }) };
	},
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
