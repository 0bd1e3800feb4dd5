import { json } from '@sveltejs/kit';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { getAppContext } from '$lib/server/app-context.ts';
import { markNotificationsRead } from '$lib/server/notifications/service.ts';
import type { RequestHandler } from './$types';

/** `{ids?}`: marks the caller's notifications read (all without ids) → `{marked, unread}`. */
export const POST: RequestHandler = apiRoute(async (event) => {
	const { db, broadcaster } = getAppContext();
	return json(await markNotificationsRead({ db, broadcaster }, requireUser(event), await readJson(event.request)));
});
