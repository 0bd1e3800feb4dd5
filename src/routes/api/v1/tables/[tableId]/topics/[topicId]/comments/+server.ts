import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { commentTopic, listComments } from '$lib/server/topics/service.ts';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = apiRoute(async (event) => {
	const { tableId, topicId } = event.params;
	return json({ comments: await listComments(getAppContext().db, requireUser(event), tableId, topicId) });
});

export const POST: RequestHandler = apiRoute(async (event) => {
	const { tableId, topicId } = event.params;
	const comment = await commentTopic(getAppContext(), requireUser(event), tableId, topicId, await readJson(event.request));
	return json(comment, { status: 201 });
});
