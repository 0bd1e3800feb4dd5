import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { markAccessibilityFeedbackHandled } from '$lib/server/accessibility/feedback.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async (event) => {
	const feedback = await markAccessibilityFeedbackHandled(getAppContext().db, requireUser(event), event.params.feedbackId);
	return json({ feedback });
});
