import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { getPoll } from '$lib/server/polls/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	return json(await getPoll(getAppContext().db, requireUser(event), event.params.pollId));
});
