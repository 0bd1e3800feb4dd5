import { json } from '@sveltejs/kit';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { resendInvitation } from '$lib/server/invitations/service.ts';
import { invitationDeps } from '$lib/server/invitations/deps.ts';
import type { RequestHandler } from './$types';

/** Mails a pending invitation again, with a new link (the previous one stops working). */
export const POST: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const result = await resendInvitation(invitationDeps(event.url.origin), user, event.params.tableId, event.params.invitationId);
	return json(result);
});
