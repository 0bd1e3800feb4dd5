import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { topicsToPoll } from '$lib/server/topics/service.ts';
import type { RequestHandler } from './$types';

/** `{meetingId, topicIds, kind?, question?, …}`: the chosen topics become one poll (moderator). */
export const POST: RequestHandler = apiRoute(async (event) => {
	const poll = await topicsToPoll(getAppContext(), requireUser(event), event.params.tableId, await readJson(event.request));
	return json(poll, { status: 201 });
});
