import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { acceptInvitation } from '$lib/server/invitations/service.ts';
import type { RequestHandler } from './$types';
import { notificationDeps } from '$lib/server/notifications/deps.ts';

export const POST: RequestHandler = apiRoute(async (event) => {
	const result = await acceptInvitation(getAppContext().db, requireUser(event), event.params.token, notificationDeps(event.url.origin));
	return json(result, { status: result.alreadyMember ? 200 : 201 });
});
