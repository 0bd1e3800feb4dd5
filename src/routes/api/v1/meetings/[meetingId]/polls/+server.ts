import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { createPoll, listPolls } from '$lib/server/polls/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	const polls = await listPolls(getAppContext().db, requireUser(event), event.params.meetingId);
	return json({ polls });
});

export const POST: RequestHandler = apiRoute(async (event) => {
	const poll = await createPoll(getAppContext(), requireUser(event), event.params.meetingId, await readJson(event.request));
	return json(poll, { status: 201 });
});
