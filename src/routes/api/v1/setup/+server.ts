import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readJson } from '$lib/server/http/api.ts';
import { setUpAndStartSession } from '$lib/server/auth/login-flow.ts';
import { isFirstRun } from '$lib/server/organization/setup.ts';
import type { RequestHandler } from './$types';

/** Whether the deployment still waits for its first run (no account yet). */
export const GET: RequestHandler = apiRoute(async () => {
	return json({ needed: await isFirstRun(getAppContext().db) });
});

/** The first run: `{name, email, password, organization: {name, place, …}}` → 201 the admin, signed in. */
export const POST: RequestHandler = apiRoute(async ({ request, cookies, url, getClientAddress }) => {
	const user = await setUpAndStartSession(await readJson(request), cookies, { origin: url.origin, address: getClientAddress() });
	return json({ user }, { status: 201 });
});
