import { json } from '@sveltejs/kit';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { getVersion, parseVersionNumber } from '$lib/server/documents/versions.ts';
import { documentDeps } from '$lib/server/documents/deps.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	return json(await getVersion(documentDeps().db, user, event.params.documentId, parseVersionNumber(event.params.number)));
});
