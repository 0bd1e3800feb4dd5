import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { scheduleNextMeeting } from '$lib/server/meetings/next-meeting.ts';
import type { RequestHandler } from './$types';

/** 201 with the new meeting; 200 with the same one when this poll created it already. */
export const POST: RequestHandler = apiRoute(async (event) => {
	const result = await scheduleNextMeeting(getAppContext(), requireUser(event), event.params.pollId, await readJson(event.request));
	return json(result, { status: result.created ? 201 : 200 });
});
