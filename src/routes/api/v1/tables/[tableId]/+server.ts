import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { getTable, updateTable } from '$lib/server/tables/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	return json(await getTable(getAppContext().db, requireUser(event), event.params.tableId));
});

export const PUT: RequestHandler = apiRoute(async (event) => {
	const { db } = getAppContext();
	const user = requireUser(event);
	await updateTable(db, user, event.params.tableId, await readJson(event.request));
	return json(await getTable(db, user, event.params.tableId));
});
