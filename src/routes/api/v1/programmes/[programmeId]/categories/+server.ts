import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { addCategory, listProgrammeCategories } from '$lib/server/programmes/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	return json({ categories: await listProgrammeCategories(getAppContext().db, requireUser(event), event.params.programmeId) });
});

export const POST: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const category = await addCategory(getAppContext().db, user, event.params.programmeId, await readJson(event.request));
	return json(category, { status: 201 });
});
