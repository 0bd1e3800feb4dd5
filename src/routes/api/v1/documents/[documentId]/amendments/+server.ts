import { json } from '@sveltejs/kit';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { getAppContext } from '$lib/server/app-context.ts';
import { listAmendments, proposeAmendment } from '$lib/server/amendments/service.ts';
import type { RequestHandler } from './$types';

/** Every amendment of the document (oldest first), and what the caller may do with them. */
export const GET: RequestHandler = apiRoute(async (event) =>
	json(await listAmendments(getAppContext().db, requireUser(event), event.params.documentId), {
		headers: { 'cache-control': 'no-store' }
	})
);

/** `{anchor: {from, to, quote}, replacement, reason?}` → 201 the amendment, anchored like a comment. */
export const POST: RequestHandler = apiRoute(async (event) =>
	json(await proposeAmendment(getAppContext(), requireUser(event), event.params.documentId, await readJson(event.request)), {
		status: 201
	})
);
