import type { IncomingMessage } from 'node:http';
import { readCookie, SESSION_COOKIE, type SessionStore, type SessionUser } from '../src/lib/server/auth/sessions.ts';
import { isAllowedOrigin } from '../src/lib/server/auth/origin.ts';

export type UpgradeAuth =
	{ ok: true; user: SessionUser; sessionId: string } | { ok: false; status: 401 | 403; reason: 'bad_origin' | 'unauthorized' };

export interface UpgradeAuthOptions {
	/** The public URL (ORIGIN), or undefined to accept the host the request came to. */
	origin: string | undefined;
	sessions: SessionStore;
}

/** Checks Origin and the session cookie of a WebSocket upgrade before any protocol runs. */
export async function authenticateUpgrade(context: UpgradeAuthOptions, request: IncomingMessage): Promise<UpgradeAuth> {
	if (!isAllowedOrigin(request.headers.origin, request.headers.host, context.origin)) {
		return { ok: false, status: 403, reason: 'bad_origin' };
	}
	const token = readCookie(request.headers.cookie, SESSION_COOKIE);
	const validation = token ? await context.sessions.validate(token) : null;
	if (!validation) return { ok: false, status: 401, reason: 'unauthorized' };
	return { ok: true, user: validation.user, sessionId: validation.session.id };
}
