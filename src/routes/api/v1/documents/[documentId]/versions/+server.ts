import { json } from '@sveltejs/kit';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { freezeVersion, listVersions } from '$lib/server/documents/versions.ts';
import { documentDeps } from '$lib/server/documents/deps.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	const { db } = documentDeps();
	return json({ versions: await listVersions(db, requireUser(event), event.params.documentId) });
});

/** `{note}` (coordinators): freezes the draft as the next numbered version. */
export const POST: RequestHandler = apiRoute(async (event) =>
	json(await freezeVersion(documentDeps(), requireUser(event), event.params.documentId, await readJson(event.request)), { status: 201 })
);
