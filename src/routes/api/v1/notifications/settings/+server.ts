import { json } from '@sveltejs/kit';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { getAppContext } from '$lib/server/app-context.ts';
import { getEmailMode, setEmailMode } from '$lib/server/notifications/service.ts';
import type { RequestHandler } from './$types';

/** How the caller wants notifications by e-mail → `{emailMode, digestHour}`. */
export const GET: RequestHandler = apiRoute(async (event) => {
	const { db, notifications } = getAppContext();
	return json({ emailMode: await getEmailMode(db, requireUser(event).id), digestHour: notifications.digestHour });
});

/** `{emailMode: 'immediate' | 'digest' | 'none'}` → `{emailMode, digestHour}`. */
export const PUT: RequestHandler = apiRoute(async (event) => {
	const { db, notifications } = getAppContext();
	const emailMode = await setEmailMode(db, requireUser(event), await readJson(event.request));
	return json({ emailMode, digestHour: notifications.digestHour });
});
