import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { createDocument, listDocuments } from '$lib/server/documents/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	const documents = await listDocuments(getAppContext().db, requireUser(event), event.params.tableId);
	return json({ documents });
});

export const POST: RequestHandler = apiRoute(async (event) => {
	const document = await createDocument(getAppContext().db, requireUser(event), event.params.tableId, await readJson(event.request));
	return json(document, { status: 201 });
});
