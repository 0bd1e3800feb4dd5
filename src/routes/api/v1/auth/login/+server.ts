import { json } from '@sveltejs/kit';
import { apiRoute, readJson } from '$lib/server/http/api.ts';
import { logInAndStartSession } from '$lib/server/auth/login-flow.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async ({ request, cookies, getClientAddress }) => {
	const user = await logInAndStartSession(await readJson(request), cookies, getClientAddress());
	return json({ user });
});
