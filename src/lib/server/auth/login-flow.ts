import type { Cookies } from '@sveltejs/kit';
import type { Logger } from 'pino';
import { getAppContext } from '../app-context.ts';
import { changePassword, logIn, signUp } from '../accounts/service.ts';
import { hashToken, type Session, type SessionUser } from './sessions.ts';
import { clearSessionCookie, setSessionCookie } from './cookies.ts';

/** Signs up and starts a session: shared by the signup page, the invitation page and the API. */
export async function signUpAndStartSession(input: unknown, cookies: Cookies): Promise<SessionUser> {
	const context = getAppContext();
	const user = await signUp(context.db, input);
	await startSession(user, cookies);
	return user;
}

export async function logInAndStartSession(input: unknown, cookies: Cookies, address: string): Promise<SessionUser> {
	const context = getAppContext();
	const user = await logIn(context.db, context.loginLimiter, input, address);
	await startSession(user, cookies);
	return user;
}

async function startSession(user: SessionUser, cookies: Cookies): Promise<void> {
	const context = getAppContext();
	const { token, session } = await context.sessions.create(user.id);
	setSessionCookie(cookies, token, session.expiresAt, context.secureCookies);
}

export async function endSession(cookies: Cookies, token: string | undefined): Promise<void> {
	const context = getAppContext();
	if (token) {
		await context.sessions.invalidate(token);
		context.sessionEnds.emit(hashToken(token));
	}
	clearSessionCookie(cookies, context.secureCookies);
}

/**
 * Changes the password of the signed-in user. Every other session of theirs is deleted and its
 * live /yjs and socket.io connections are closed at once; the session asking stays valid (its
 * cookie is unchanged), so the person goes on where they are.
 */
export async function changePasswordAndEndOtherSessions(
	user: SessionUser,
	session: Session,
	input: unknown,
	address: string,
	/** The request's logger (with its `reqId`). */
	logger: Logger
): Promise<{ endedSessions: number }> {
	const context = getAppContext();
	const { endedSessionIds } = await changePassword(context.db, context.loginLimiter, user, session.id, input, address);
	for (const sessionId of endedSessionIds) context.sessionEnds.emit(sessionId);
	logger.info({ userId: user.id, endedSessions: endedSessionIds.length }, 'password changed');
	return { endedSessions: endedSessionIds.length };
}
