import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { withdrawAmendment } from '$lib/server/amendments/service.ts';
import type { RequestHandler } from './$types';

/** The proposer, a moderator or a coordinator withdraws an amendment not put to the vote (or superseded). */
export const POST: RequestHandler = apiRoute(async (event) =>
	json(await withdrawAmendment(getAppContext().db, requireUser(event), event.params.amendmentId))
);
