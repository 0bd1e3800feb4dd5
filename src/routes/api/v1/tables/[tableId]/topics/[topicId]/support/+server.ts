import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { supportTopic } from '$lib/server/topics/service.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async (event) => {
	const { tableId, topicId } = event.params;
	return json(await supportTopic(getAppContext(), requireUser(event), tableId, topicId, true));
});

export const DELETE: RequestHandler = apiRoute(async (event) => {
	const { tableId, topicId } = event.params;
	return json(await supportTopic(getAppContext(), requireUser(event), tableId, topicId, false));
});
