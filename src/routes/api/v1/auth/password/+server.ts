import { json } from '@sveltejs/kit';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { changePasswordAndEndOtherSessions } from '$lib/server/auth/login-flow.ts';
import { AppError } from '$lib/server/errors.ts';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	if (!event.locals.session) throw new AppError('unauthorized');
	const result = await changePasswordAndEndOtherSessions(
		user,
		event.locals.session,
		await readJson(event.request),
		event.getClientAddress(),
		event.locals.logger
	);
	return json({ ok: true, ...result });
});
