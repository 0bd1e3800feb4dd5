import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { addCategory, listCategories } from '$lib/server/programmes/service.ts';
import { authorizeGlobal } from '$lib/server/authz/access.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	authorizeGlobal(requireUser(event), 'category.manage');
	return json({ categories: await listCategories(getAppContext().db, event.params.programmeId) });
});

export const POST: RequestHandler = apiRoute(async (event) => {
	authorizeGlobal(requireUser(event), 'category.manage');
	const category = await addCategory(getAppContext().db, event.params.programmeId, await readJson(event.request));
	return json(category, { status: 201 });
});
