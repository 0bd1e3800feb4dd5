import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { commitmentsDeps, updateCommitment } from '$lib/server/commitments/service.ts';
import type { RequestHandler } from './$types';

/** `{status: 'open' | 'in_progress' | 'done' | 'cancelled', note?}` (its owner or a coordinator). */
export const PATCH: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	return json(await updateCommitment(commitmentsDeps(getAppContext()), user, event.params.commitmentId, await readJson(event.request)));
});
