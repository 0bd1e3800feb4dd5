import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { listAttendance } from '$lib/server/live/attendance.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	const attendance = await listAttendance(getAppContext().db, requireUser(event), event.params.meetingId);
	return json({ attendance });
});
