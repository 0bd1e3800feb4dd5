import type { ActionFailure } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages.js';
import { isAppError } from '$lib/server/errors.ts';
import { textLimits } from '$lib/server/validation.ts';
import { errorMessage } from '$lib/errors/messages.ts';
import { failForm, type FormFailure } from '$lib/forms/page-errors.server.ts';

/**
 * Signup refusals, told beside the field they concern: a taken email under the email field, a
 * short password with the minimum length, rather than the generic "too short" / "not valid".
 */
export function signupFailure(err: unknown, form: string, values: Record<string, string>): ActionFailure<FormFailure> {
	const failure = failForm(err, form, values);
	if (isAppError(err)) {
		if (err.code === 'email_taken') failure.data.fields.email = errorMessage('email_taken');
		if (err.details.fields?.password === 'too_short' && values.password) {
			failure.data.fields.password = m.field_password_too_short({ min: textLimits.passwordMin });
		}
	}
	return failure;
}
