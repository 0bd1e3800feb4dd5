import { json } from '@sveltejs/kit';
import { apiRoute, readJson } from '$lib/server/http/api.ts';
import { signUpAndStartSession } from '$lib/server/auth/login-flow.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async ({ request, cookies, url, getClientAddress }) => {
	const user = await signUpAndStartSession(await readJson(request), cookies, { origin: url.origin, address: getClientAddress() });
	return json({ user }, { status: 201 });
});
