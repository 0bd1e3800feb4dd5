import { json } from '@sveltejs/kit';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { changeDocumentStatus } from '$lib/server/documents/lifecycle.ts';
import { documentDeps } from '$lib/server/documents/deps.ts';
import type { RequestHandler } from './$types';

/** `{status: 'draft' | 'in_review' | 'final', note?}` (coordinators). */
export const POST: RequestHandler = apiRoute(async (event) =>
	json(
		await changeDocumentStatus(documentDeps(event.url.origin), requireUser(event), event.params.documentId, await readJson(event.request))
	)
);
