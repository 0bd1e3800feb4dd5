import { json } from '@sveltejs/kit';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { cancelMeeting } from '$lib/server/meetings/changes.ts';
import { meetingChangeDeps } from '$lib/server/meetings/change-deps.ts';
import type { RequestHandler } from './$types';

/** `{reason?}` (coordinators): a planned meeting is called off; those convened get the cancellation. */
export const POST: RequestHandler = apiRoute(async (event) => {
	const change = await cancelMeeting(
		meetingChangeDeps(event.url.origin),
		requireUser(event),
		event.params.meetingId,
		await readJson(event.request)
	);
	return json({ ...change.meeting, notified: change.notified });
});
