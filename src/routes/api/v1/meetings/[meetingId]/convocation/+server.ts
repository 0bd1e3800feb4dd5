import { json } from '@sveltejs/kit';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { getConvocation, resetConvocation, saveConvocation } from '$lib/server/convocation/service.ts';
import { convocationDeps } from '$lib/server/convocation/deps.ts';
import type { RequestHandler } from './$types';

/** The letter (saved or generated), its recipients and how mail goes out (coordinators). */
export const GET: RequestHandler = apiRoute(async (event) => {
	const convocation = await getConvocation(convocationDeps(event.url.origin), requireUser(event), event.params.meetingId);
	return json(convocation);
});

/** `{subject, body}`: keeps the coordinator's edits. */
export const PUT: RequestHandler = apiRoute(async (event) => {
	const letter = await saveConvocation(
		convocationDeps(event.url.origin),
		requireUser(event),
		event.params.meetingId,
		await readJson(event.request)
	);
	return json(letter);
});

/** Drops the edits: the letter is generated again from the meeting. */
export const DELETE: RequestHandler = apiRoute(async (event) => {
	await resetConvocation(convocationDeps(event.url.origin), requireUser(event), event.params.meetingId);
	return new Response(null, { status: 204 });
});
