import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { createInvitation, listPendingInvitations } from '$lib/server/invitations/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	const invitations = await listPendingInvitations(getAppContext().db, requireUser(event), event.params.tableId);
	return json({ invitations });
});

export const POST: RequestHandler = apiRoute(async (event) => {
	const context = getAppContext();
	const invitation = await createInvitation(context.db, requireUser(event), event.params.tableId, await readJson(event.request), {
		origin: context.origin ?? event.url.origin,
		defaultDays: context.invitationDays
	});
	return json(invitation, { status: 201 });
});
