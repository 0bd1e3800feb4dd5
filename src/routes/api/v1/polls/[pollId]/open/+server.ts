import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { openPoll } from '$lib/server/polls/service.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async (event) => {
	return json({ poll: await openPoll(getAppContext(), requireUser(event), event.params.pollId) });
});
