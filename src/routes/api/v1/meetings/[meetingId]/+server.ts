import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { getMeeting } from '$lib/server/meetings/service.ts';
import { updateMeeting } from '$lib/server/meetings/changes.ts';
import { meetingChangeDeps } from '$lib/server/meetings/change-deps.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) =>
	json(await getMeeting(getAppContext().db, requireUser(event), event.params.meetingId))
);

/** `{title?, startsAt?, endsAt?, videoUrl?}` (coordinators): those convened get the updated invitation. */
export const PATCH: RequestHandler = apiRoute(async (event) => {
	const change = await updateMeeting(
		meetingChangeDeps(event.url.origin),
		requireUser(event),
		event.params.meetingId,
		await readJson(event.request)
	);
	return json({ ...change.meeting, changed: change.changed, notified: change.notified });
});
