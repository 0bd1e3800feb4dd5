import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { commitmentsDeps, recordCommitment } from '$lib/server/commitments/service.ts';
import type { RequestHandler } from './$types';

/** `{title, ownerUserId? | ownerBody?, dueOn, agendaItemId?, pollId?}` (facilitators) → 201 the commitment. */
export const POST: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const commitment = await recordCommitment(commitmentsDeps(getAppContext()), user, event.params.meetingId, await readJson(event.request));
	return json(commitment, { status: 201 });
});
