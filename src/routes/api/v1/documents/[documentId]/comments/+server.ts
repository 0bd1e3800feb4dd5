import { json } from '@sveltejs/kit';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { getAppContext } from '$lib/server/app-context.ts';
import { addComment, listComments } from '$lib/server/comments/service.ts';
import { notificationDeps } from '$lib/server/notifications/deps.ts';
import type { RequestHandler } from './$types';

/** Every thread of the document with its replies, who can be mentioned, and whether the caller may comment. */
export const GET: RequestHandler = apiRoute(async (event) =>
	json(await listComments(getAppContext().db, requireUser(event), event.params.documentId), {
		headers: { 'cache-control': 'no-store' }
	})
);

/** `{body, anchor: {from, to, quote}, mentions?}` starts a thread; `{body, parentId, mentions?}` answers one. */
export const POST: RequestHandler = apiRoute(async (event) =>
	json(
		await addComment(
			getAppContext().db,
			requireUser(event),
			event.params.documentId,
			await readJson(event.request),
			notificationDeps(event.url.origin)
		),
		{ status: 201 }
	)
);
