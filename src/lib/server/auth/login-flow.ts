import type { Cookies } from '@sveltejs/kit';
import type { Logger } from 'pino';
import { getAppContext } from '../app-context.ts';
import { changePassword, logIn, signUp } from '../accounts/service.ts';
import { setUp } from '../organization/setup.ts';
import {
	confirmPasswordReset,
	requestPasswordReset,
	sendEmailVerification,
	sendInBackground,
	verifyEmail,
	type AccountMailDeps
} from '../accounts/account-links.ts';
import { hashToken, type Session, type SessionUser } from './sessions.ts';
import { clearSessionCookie, setSessionCookie } from './cookies.ts';

/** What the account mails need; `requestOrigin` is the request's own origin, used when ORIGIN is unset. */
function accountMailDeps(requestOrigin: string): AccountMailDeps {
	const context = getAppContext();
	return {
		db: context.db,
		mailer: context.mailer,
		logger: context.logger,
		baseUrl: context.origin ?? requestOrigin,
		settings: context.accountLinks
	};
}

/**
 * Signs up and starts a session: shared by the signup page, the invitation page and the API.
 * The verification link is mailed after the answer (a slow mail server does not hold up signup).
 * Sign-ups are capped per client address (TAVOLO_SIGNUP_MAX_PER_ADDRESS).
 */
export async function signUpAndStartSession(
	input: unknown,
	cookies: Cookies,
	request: { origin: string; address: string }
): Promise<SessionUser> {
	const context = getAppContext();
	const user = await signUp(context.db, input, () => context.signupLimiter.consume(request.address));
	await startSession(user, cookies);
	const deps = accountMailDeps(request.origin);
	sendInBackground(deps, 'email-verification', () => sendEmailVerification(deps, user));
	return user;
}

/** The first run (src/lib/server/organization/setup.ts): the admin account and the organisation, then a session. */
export async function setUpAndStartSession(
	input: unknown,
	cookies: Cookies,
	request: { origin: string; address: string }
): Promise<SessionUser> {
	const context = getAppContext();
	const user = await setUp(context.db, input, () => context.signupLimiter.consume(request.address));
	await startSession(user, cookies);
	const deps = accountMailDeps(request.origin);
	sendInBackground(deps, 'email-verification', () => sendEmailVerification(deps, user));
	return user;
}

/** Mails the signed-in user a new verification link (the earlier ones stop working). */
export async function resendEmailVerification(user: SessionUser, requestOrigin: string, address: string): Promise<void> {
	if (user.emailVerified) return;
	const context = getAppContext();
	// The reset limiter's per-e-mail and per-address caps also keep this from flooding a mailbox.
	await context.passwordResetLimiter.consumeRequest(user.email, address);
	const deps = accountMailDeps(requestOrigin);
	sendInBackground(deps, 'email-verification', () => sendEmailVerification(deps, user));
}

export async function verifyEmailAddress(input: unknown): Promise<{ userId: string; email: string }> {
	return verifyEmail(getAppContext().db, input);
}

/** Always succeeds for a well-formed address unless rate-limited (see `requestPasswordReset`). */
export async function askPasswordReset(input: unknown, requestOrigin: string, address: string): Promise<void> {
	await requestPasswordReset(accountMailDeps(requestOrigin), getAppContext().passwordResetLimiter, input, address);
}

/**
 * Sets the new password from a reset link and signs the user out everywhere: every session is
 * deleted and its live /yjs and socket.io connections are closed at once.
 */
export async function resetPasswordAndEndSessions(input: unknown, address: string, logger: Logger): Promise<void> {
	const context = getAppContext();
	const { userId, endedSessionIds } = await confirmPasswordReset(context.db, context.passwordResetLimiter, input, address);
	for (const sessionId of endedSessionIds) context.sessionEnds.emit(sessionId);
	logger.info({ userId, endedSessions: endedSessionIds.length }, 'password reset');
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
