import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { listTopics, proposeTopic } from '$lib/server/topics/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	return json({ topics: await listTopics(getAppContext().db, requireUser(event), event.params.tableId) });
});

/** `{title, description?}`: a member proposes a topic for the table's backlog. */
export const POST: RequestHandler = apiRoute(async (event) => {
	const topic = await proposeTopic(getAppContext(), requireUser(event), event.params.tableId, await readJson(event.request));
	return json(topic, { status: 201 });
});
