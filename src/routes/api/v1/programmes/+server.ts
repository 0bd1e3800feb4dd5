import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { createProgramme, listProgrammes } from '$lib/server/programmes/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	return json({ programmes: await listProgrammes(getAppContext().db, requireUser(event)) });
});

export const POST: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const programme = await createProgramme(getAppContext().db, user, await readJson(event.request));
	return json(programme, { status: 201 });
});
