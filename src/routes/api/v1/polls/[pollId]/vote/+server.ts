import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { castVote } from '$lib/server/polls/service.ts';
import { parseInput } from '$lib/server/validation.ts';
import type { RequestHandler } from './$types';

/** `{choice}`: the same vote as the `poll:vote` socket command, for clients without a socket. */
export const POST: RequestHandler = apiRoute(async (event) => {
	const { choice } = parseInput(z.object({ choice: z.unknown() }), await readJson(event.request));
	await castVote(getAppContext(), requireUser(event), event.params.pollId, choice);
	return json({ ok: true });
});
