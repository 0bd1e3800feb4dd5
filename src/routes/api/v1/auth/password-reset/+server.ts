import { json } from '@sveltejs/kit';
import { apiRoute, readJson } from '$lib/server/http/api.ts';
import { askPasswordReset } from '$lib/server/auth/login-flow.ts';
import type { RequestHandler } from './$types';

/** Always 202 for a well-formed address, account or not (429 past the reset limits). */
export const POST: RequestHandler = apiRoute(async ({ request, url, getClientAddress }) => {
	await askPasswordReset(await readJson(request), url.origin, getClientAddress());
	return json({ accepted: true }, { status: 202 });
});
