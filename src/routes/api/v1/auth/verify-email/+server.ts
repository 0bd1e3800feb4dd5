import { json } from '@sveltejs/kit';
import { apiRoute, readJson } from '$lib/server/http/api.ts';
import { verifyEmailAddress } from '$lib/server/auth/login-flow.ts';
import type { RequestHandler } from './$types';

/** `{token}` from the mailed link; no session needed (the link may open on another device). */
export const POST: RequestHandler = apiRoute(async ({ request }) => {
	const { email } = await verifyEmailAddress(await readJson(request));
	return json({ email, emailVerified: true });
});
