import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { ensureMinutes, getMinutes } from '$lib/server/minutes/service.ts';
import type { RequestHandler } from './$types';

/** `{documentId, docName}` of the meeting's minutes; 404 until the meeting has closed. */
export const GET: RequestHandler = apiRoute(async (event) => {
	return json(await getMinutes(getAppContext().db, requireUser(event), event.params.meetingId));
});

/** Drafts the minutes of a closed meeting that has none (idempotent; moderators, coordinators). */
export const POST: RequestHandler = apiRoute(async (event) => {
	const { db, logger, liveDocuments } = getAppContext();
	const minutes = await ensureMinutes({ db, logger, live: liveDocuments }, requireUser(event), event.params.meetingId);
	return json(minutes, { status: 201 });
});
