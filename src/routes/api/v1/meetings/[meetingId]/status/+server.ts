import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { setMeetingStatus } from '$lib/server/live/service.ts';
import type { RequestHandler } from './$types';

/** `{status}`: planned → live → closed (moderator or coordinator). */
export const POST: RequestHandler = apiRoute(async (event) => {
	const status = await setMeetingStatus(getAppContext(), requireUser(event), event.params.meetingId, await readJson(event.request));
	return json({ status });
});
