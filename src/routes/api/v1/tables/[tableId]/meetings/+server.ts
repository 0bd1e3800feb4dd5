import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { createMeeting, listMeetings } from '$lib/server/meetings/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	const meetings = await listMeetings(getAppContext().db, requireUser(event), event.params.tableId);
	return json({ meetings });
});

export const POST: RequestHandler = apiRoute(async (event) => {
	const meeting = await createMeeting(getAppContext().db, requireUser(event), event.params.tableId, await readJson(event.request));
	return json(meeting, { status: 201 });
});
