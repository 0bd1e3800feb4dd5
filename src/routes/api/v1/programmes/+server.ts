import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { createProgramme, listProgrammes } from '$lib/server/programmes/service.ts';
import { authorizeGlobal } from '$lib/server/authz/access.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	authorizeGlobal(requireUser(event), 'programme.manage');
	return json({ programmes: await listProgrammes(getAppContext().db) });
});

export const POST: RequestHandler = apiRoute(async (event) => {
	authorizeGlobal(requireUser(event), 'programme.manage');
	const programme = await createProgramme(getAppContext().db, await readJson(event.request));
	return json(programme, { status: 201 });
});
