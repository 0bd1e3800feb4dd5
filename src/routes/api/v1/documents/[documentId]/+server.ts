import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { getDocument } from '$lib/server/documents/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) =>
	json(await getDocument(getAppContext().db, requireUser(event), event.params.documentId))
);
