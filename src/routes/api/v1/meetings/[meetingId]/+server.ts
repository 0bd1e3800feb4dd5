import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { getMeeting } from '$lib/server/meetings/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) =>
	json(await getMeeting(getAppContext().db, requireUser(event), event.params.meetingId))
);
