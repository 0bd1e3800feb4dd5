import { json } from '@sveltejs/kit';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { parseVersionNumber, restoreVersion } from '$lib/server/documents/versions.ts';
import { documentDeps } from '$lib/server/documents/deps.ts';
import type { RequestHandler } from './$types';

/** A new draft document starting from this version → `{id, docName, …}`. */
export const POST: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const document = await restoreVersion(documentDeps().db, user, event.params.documentId, parseVersionNumber(event.params.number));
	return json(document, { status: 201 });
});
