import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { createTable, listTablesForUser } from '$lib/server/tables/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	const tables = await listTablesForUser(getAppContext().db, requireUser(event));
	return json({ tables });
});

export const POST: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const table = await createTable(getAppContext().db, user, await readJson(event.request));
	return json(table, { status: 201 });
});
