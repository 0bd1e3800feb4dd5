import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { listAccessibilityFeedback, markAccessibilityFeedbackHandled } from '$lib/server/accessibility/feedback.ts';
import { failForm, formFields, signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	try {
		return { feedback: await listAccessibilityFeedback(getAppContext().db, user) };
	} catch (err) {
		throwPageError(err, { forbidden: { message: m.admin_forbidden(), code: 'forbidden' } });
	}
}) satisfies PageServerLoad;

export const actions = {
	markHandled: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			await markAccessibilityFeedbackHandled(getAppContext().db, user, values.id);
			return { form: `handled-${values.id}`, done: true };
		} catch (err) {
			return failForm(err, `handled-${values.id}`, values);
		}
	}
} satisfies Actions;
