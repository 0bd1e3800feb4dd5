import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { removeMember, updateMember } from '$lib/server/tables/service.ts';
import { auditMembershipChange } from '$lib/server/audit/service.ts';
import type { RequestHandler } from './$types';

export const PATCH: RequestHandler = apiRoute(async (event) => {
	const context = getAppContext();
	const user = requireUser(event);
	const change = await updateMember(context.db, user, event.params.tableId, event.params.membershipId, await readJson(event.request));
	context.membershipChanges.emit(change);
	await auditMembershipChange(context.db, user, change);
	return json({ ok: true });
});

export const DELETE: RequestHandler = apiRoute(async (event) => {
	const context = getAppContext();
	const user = requireUser(event);
	const change = await removeMember(context.db, user, event.params.tableId, event.params.membershipId);
	context.membershipChanges.emit(change);
	await auditMembershipChange(context.db, user, change);
	return json({ ok: true });
});
