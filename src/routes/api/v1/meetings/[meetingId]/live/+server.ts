import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { getLiveState } from '$lib/server/live/service.ts';
import type { RequestHandler } from './$types';

/** The same live state `meeting:join` acknowledges with (focus, timers, speakers, polls, presence). */
export const GET: RequestHandler = apiRoute(async (event) => {
	return json(await getLiveState(getAppContext(), requireUser(event), event.params.meetingId));
});
