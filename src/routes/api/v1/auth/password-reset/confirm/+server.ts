import { json } from '@sveltejs/kit';
import { apiRoute, readJson } from '$lib/server/http/api.ts';
import { resetPasswordAndEndSessions } from '$lib/server/auth/login-flow.ts';
import type { RequestHandler } from './$types';

/** `{token, password}`: sets the password and ends every session of the account. */
export const POST: RequestHandler = apiRoute(async ({ request, getClientAddress, locals }) => {
	await resetPasswordAndEndSessions(await readJson(request), getClientAddress(), locals.logger);
	return json({ ok: true });
});
