import { m } from '$lib/paraglide/messages.js';
import { resetPasswordAndEndSessions } from '$lib/server/auth/login-flow.ts';
import { isAppError } from '$lib/server/errors.ts';
import { textLimits } from '$lib/server/validation.ts';
import { failForm, formFields } from '$lib/forms/page-errors.server.ts';
import type { Actions, PageServerLoad } from './$types';

/** The link from the reset mail: opening it changes nothing; the new password is posted. */
export const load = (({ url }) => ({ token: url.searchParams.get('token') ?? '' })) satisfies PageServerLoad;

export const actions = {
	default: async ({ request, getClientAddress, locals }) => {
		const values = formFields(await request.formData());
		try {
			await resetPasswordAndEndSessions({ token: values.token ?? '', password: values.password ?? '' }, getClientAddress(), locals.logger);
		} catch (err) {
			const failure = failForm(err, 'reset-new', values);
			failure.data.values = {};
			if (isAppError(err) && err.details.fields?.password === 'too_short' && values.password) {
				failure.data.fields.password = m.field_password_too_short({ min: textLimits.passwordMin });
			}
			const linkProblem = isAppError(err) && (err.code === 'invalid_token' || err.code === 'token_expired');
			return linkProblem ? failForm(err, 'reset-link') : failure;
		}
		return { form: 'reset-new', done: true };
	}
} satisfies Actions;
