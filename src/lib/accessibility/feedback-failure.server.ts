import { fail, type ActionFailure } from '@sveltejs/kit';
import { isAppError } from '$lib/server/errors.ts';
import { errorMessage, fieldMessages } from '$lib/errors/messages.ts';
import { textLimits } from '$lib/server/validation.ts';
import { m } from '$lib/paraglide/messages.js';
import type { FormFailure } from '$lib/forms/page-errors.server.ts';
import { feedbackLimits } from './statement.ts';

const maxLength: Record<string, number> = {
	name: textLimits.name,
	email: textLimits.email,
	page: feedbackLimits.page,
	message: feedbackLimits.message
};

/**
 * A refused report, with a message beside each field that says what to do (the generic
 * "Campo obbligatorio." says less than "Describe the problem you met"). People reporting an
 * accessibility problem are the last who should have to guess what a form wants.
 */
export function feedbackFailure(err: unknown, values: Record<string, string>): ActionFailure<FormFailure> {
	if (!isAppError(err) || err.status >= 500) throw err;
	const problems = err.details.fields ?? {};
	const generic = fieldMessages(problems);
	const fields: Record<string, string> = {};
	for (const [field, problem] of Object.entries(problems)) {
		if (problem === 'too_long' && maxLength[field]) fields[field] = m.a11y_statement_error_too_long({ max: maxLength[field] });
		else if (field === 'email' && problem === 'required') fields[field] = m.a11y_statement_error_email_required();
		else if (field === 'email' && problem === 'invalid_email') fields[field] = m.a11y_statement_error_email_invalid();
		else if (field === 'message' && problem === 'required') fields[field] = m.a11y_statement_error_message_required();
		else fields[field] = generic[field];
	}
	return fail(err.status, { form: 'feedback', message: errorMessage(err.code, err.details), fields, values });
}
