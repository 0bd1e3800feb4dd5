import { getAppContext } from '$lib/server/app-context.ts';
import { statementOrganization, submitAccessibilityFeedback } from '$lib/server/accessibility/feedback.ts';
import { formFields } from '$lib/forms/page-errors.server.ts';
import { feedbackFailure } from '$lib/accessibility/feedback-failure.server.ts';
import type { Actions, PageServerLoad } from './$types';

/** The accessibility statement: public, signed in or not (AgID wants it reachable by anyone). */
export const load = (async ({ locals }) => {
	return {
		organization: await statementOrganization(getAppContext().db),
		signedInEmail: locals.user?.email ?? null
	};
}) satisfies PageServerLoad;

export const actions = {
	default: async ({ request, locals, url, getClientAddress }) => {
		const context = getAppContext();
		const values = formFields(await request.formData());
		try {
			await submitAccessibilityFeedback(context, locals.user, values, {
				address: getClientAddress(),
				origin: context.origin ?? url.origin
			});
		} catch (err) {
			return feedbackFailure(err, values);
		}
		return { form: 'feedback', done: true };
	}
} satisfies Actions;
