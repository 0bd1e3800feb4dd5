import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { getPollResults } from '$lib/server/polls/service.ts';
import type { RequestHandler } from './$types';

/** `{results: [{id, label, count}], voters}` plus the fields of ranked, yes/no and scheduling polls. */
export const GET: RequestHandler = apiRoute(async (event) => {
	return json(await getPollResults(getAppContext().db, requireUser(event), event.params.pollId));
});
