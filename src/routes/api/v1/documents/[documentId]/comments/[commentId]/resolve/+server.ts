import { json } from '@sveltejs/kit';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { getAppContext } from '$lib/server/app-context.ts';
import { setThreadResolved } from '$lib/server/comments/service.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async (event) =>
	json(await setThreadResolved(getAppContext().db, requireUser(event), event.params.documentId, event.params.commentId, true))
);
