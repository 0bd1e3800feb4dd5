import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { createInvitation, listPendingInvitations } from '$lib/server/invitations/service.ts';
import { invitationDeps } from '$lib/server/invitations/deps.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	const invitations = await listPendingInvitations(getAppContext().db, requireUser(event), event.params.tableId);
	return json({ invitations });
});

/** With `email`, the link is mailed to that address; `mailStatus` says whether the mail went. */
export const POST: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const input = await readJson(event.request);
	const invitation = await createInvitation(invitationDeps(event.url.origin), user, event.params.tableId, input);
	return json(invitation, { status: 201 });
});
