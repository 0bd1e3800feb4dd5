import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { openAmendmentPoll } from '$lib/server/amendments/service.ts';
import type { RequestHandler } from './$types';

/** `{meetingId, majority?, quorum?}` (moderators, coordinators) → 201 the yes/no poll bound to this amendment. */
export const POST: RequestHandler = apiRoute(async (event) => {
	const poll = await openAmendmentPoll(getAppContext(), requireUser(event), event.params.amendmentId, await readJson(event.request));
	return json(poll, { status: 201 });
});
