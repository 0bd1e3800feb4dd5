import { json } from '@sveltejs/kit';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { getAppContext } from '$lib/server/app-context.ts';
import { listNotifications } from '$lib/server/notifications/service.ts';
import type { RequestHandler } from './$types';

/** The caller's newest notifications and how many of theirs are unread: `{notifications, unread}`. */
export const GET: RequestHandler = apiRoute(async (event) => {
	const { db, notifications } = getAppContext();
	return json(await listNotifications(db, requireUser(event), notifications.listMax), { headers: { 'cache-control': 'no-store' } });
});
