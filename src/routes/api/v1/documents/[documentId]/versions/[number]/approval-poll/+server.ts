import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { parseVersionNumber } from '$lib/server/documents/versions.ts';
import { openApprovalPoll } from '$lib/server/documents/approval.ts';
import type { RequestHandler } from './$types';

/** `{meetingId, question?, majority?, quorum?}` (coordinators) → 201 the yes/no poll bound to this version. */
export const POST: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const number = parseVersionNumber(event.params.number);
	const poll = await openApprovalPoll(getAppContext(), user, event.params.documentId, number, await readJson(event.request));
	return json(poll, { status: 201 });
});
