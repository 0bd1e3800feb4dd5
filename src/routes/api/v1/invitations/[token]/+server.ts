import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute } from '$lib/server/http/api.ts';
import { previewInvitation } from '$lib/server/invitations/service.ts';
import type { RequestHandler } from './$types';

/** What a link leads to (table, role, state); open to anyone holding the link. */
export const GET: RequestHandler = apiRoute(async (event) => json(await previewInvitation(getAppContext().db, event.params.token)));
