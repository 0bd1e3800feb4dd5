import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { breakTie } from '$lib/server/polls/tie-break.ts';
import type { RequestHandler } from './$types';

/** The moderator decides a tie of a closed poll: `{optionId}`, one of the tied options. */
export const POST: RequestHandler = apiRoute(async (event) => {
	return json({ poll: await breakTie(getAppContext(), requireUser(event), event.params.pollId, await readJson(event.request)) });
});
