import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { getOrganization, updateOrganization } from '$lib/server/organization/service.ts';
import type { RequestHandler } from './$types';

/** The organisation's identity, as its letters, minutes and exports show it (admins). */
export const GET: RequestHandler = apiRoute(async (event) => {
	return json(await getOrganization(getAppContext().db, requireUser(event)));
});

export const PUT: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	return json(await updateOrganization(getAppContext().db, user, await readJson(event.request)));
});
