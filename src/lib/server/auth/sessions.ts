import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import type { Db } from '../db/connect.ts';

/**
 * Sessions after Lucia's design (lucia-auth.com/sessions/basic): the client holds a random token,
 * the database holds only its SHA-256 as the session id, so a leaked table opens no session.
 * Expiry slides: a session used in the second half of its life is extended to a full period.
 */
export const SESSION_COOKIE = 'tavolo_session';

export interface SessionUser {
	id: string;
	email: string;
	name: string;
	isAdmin: boolean;
	/** The owner opened the verification link mailed to `email` (or a password reset link). */
	emailVerified: boolean;
}

export interface Session {
	id: string;
	userId: string;
	expiresAt: Date;
}

export interface SessionValidation {
	session: Session;
	user: SessionUser;
	/** True when the expiry moved and the cookie should be written again. */
	refreshed: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function generateSessionToken(): string {
	const bytes = new Uint8Array(20);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

export function hashToken(token: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

export interface SessionStore {
	create(userId: string): Promise<{ token: string; session: Session }>;
	validate(token: string): Promise<SessionValidation | null>;
	invalidate(token: string): Promise<void>;
	invalidateAllForUser(userId: string): Promise<void>;
	/** Ends every session of the user but `keepSessionId`; answers the ids it ended. */
	invalidateOthersForUser(userId: string, keepSessionId: string): Promise<string[]>;
	readonly lifetimeDays: number;
}

export function createSessionStore(db: Db, lifetimeDays: number): SessionStore {
	const lifetimeMs = lifetimeDays * DAY_MS;
	return {
		lifetimeDays,
		async create(userId) {
			const token = generateSessionToken();
			const session: Session = {
				id: hashToken(token),
				userId,
				expiresAt: new Date(Date.now() + lifetimeMs)
			};
			await db.insertInto('sessions').values({ id: session.id, user_id: userId, expires_at: session.expiresAt }).execute();
			return { token, session };
		},
		async validate(token) {
			if (!/^[a-z2-7]{32}$/.test(token)) return null;
			const id = hashToken(token);
			const row = await db
				.selectFrom('sessions')
				.innerJoin('users', 'users.id', 'sessions.user_id')
				.select([
					'sessions.id',
					'sessions.user_id',
					'sessions.expires_at',
					'users.email',
					'users.name',
					'users.is_admin',
					'users.email_verified_at'
				])
				.where('sessions.id', '=', id)
				.executeTakeFirst();
			if (!row) return null;
			const now = Date.now();
			let expiresAt = new Date(row.expires_at);
			if (now >= expiresAt.getTime()) {
				await db.deleteFrom('sessions').where('id', '=', id).execute();
				return null;
			}
			let refreshed = false;
			if (now >= expiresAt.getTime() - lifetimeMs / 2) {
				expiresAt = new Date(now + lifetimeMs);
				await db.updateTable('sessions').set({ expires_at: expiresAt }).where('id', '=', id).execute();
				refreshed = true;
			}
			return {
				session: { id, userId: row.user_id, expiresAt },
				user: { id: row.user_id, email: row.email, name: row.name, isAdmin: row.is_admin, emailVerified: row.email_verified_at !== null },
				refreshed
			};
		},
		async invalidate(token) {
			await db.deleteFrom('sessions').where('id', '=', hashToken(token)).execute();
		},
		async invalidateAllForUser(userId) {
			await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
		},
		invalidateOthersForUser: (userId, keepSessionId) => deleteOtherSessions(db, userId, keepSessionId)
	};
}

/** Deletes the user's sessions except one; takes `db` first so a transaction can be passed in. */
export async function deleteOtherSessions(db: Db, userId: string, keepSessionId: string): Promise<string[]> {
	const rows = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '!=', keepSessionId).returning('id').execute();
	return rows.map((row) => row.id);
}

/** Reads one cookie from a raw Cookie header (for the WebSocket upgrade, where Kit is absent). */
export function readCookie(header: string | undefined, name: string): string | undefined {
	if (!header) return undefined;
	for (const part of header.split(';')) {
		const index = part.indexOf('=');
		if (index === -1) continue;
		if (part.slice(0, index).trim() === name) return decodeURIComponent(part.slice(index + 1).trim());
	}
	return undefined;
}
