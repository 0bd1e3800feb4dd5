import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { listCommitments } from '$lib/server/commitments/service.ts';
import type { RequestHandler } from './$types';

/** `?status=pending|all` (default all), `&meetingId=…` → `{commitments}`, by due date. */
export const GET: RequestHandler = apiRoute(async (event) => {
	const query = event.url.searchParams;
	const commitments = await listCommitments(getAppContext().db, requireUser(event), event.params.tableId, {
		status: query.get('status') ?? undefined,
		meetingId: query.get('meetingId') ?? undefined
	});
	return json({ commitments });
});
