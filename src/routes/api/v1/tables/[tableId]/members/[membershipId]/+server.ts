import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { removeMember, updateMember } from '$lib/server/tables/service.ts';
import type { RequestHandler } from './$types';

export const PATCH: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	await updateMember(getAppContext(), user, event.params.tableId, event.params.membershipId, await readJson(event.request));
	return json({ ok: true });
});

export const DELETE: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	await removeMember(getAppContext(), user, event.params.tableId, event.params.membershipId);
	return json({ ok: true });
});
