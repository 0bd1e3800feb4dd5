import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { revokeInvitation } from '$lib/server/invitations/service.ts';
import type { RequestHandler } from './$types';

/** Revokes a pending invitation: its link stops working at once. */
export const DELETE: RequestHandler = apiRoute(async (event) => {
	await revokeInvitation(getAppContext().db, requireUser(event), event.params.tableId, event.params.invitationId);
	return json({ ok: true });
});
