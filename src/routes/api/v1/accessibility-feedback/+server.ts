import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { listAccessibilityFeedback, submitAccessibilityFeedback } from '$lib/server/accessibility/feedback.ts';
import type { RequestHandler } from './$types';

/** Anyone may report, signed in or not (the statement's "meccanismo di feedback"). */
export const POST: RequestHandler = apiRoute(async (event) => {
	const context = getAppContext();
	const created = await submitAccessibilityFeedback(context, event.locals.user, await readJson(event.request), {
		address: event.getClientAddress(),
		origin: context.origin ?? event.url.origin
	});
	return json(created, { status: 201 });
});

export const GET: RequestHandler = apiRoute(async (event) => {
	return json({ feedback: await listAccessibilityFeedback(getAppContext().db, requireUser(event)) });
});
