import { json } from '@sveltejs/kit';
import { apiRoute } from '$lib/server/http/api.ts';
import { endSession } from '$lib/server/auth/login-flow.ts';
import { SESSION_COOKIE } from '$lib/server/auth/sessions.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async ({ cookies }) => {
	await endSession(cookies, cookies.get(SESSION_COOKIE));
	return json({ ok: true });
});
