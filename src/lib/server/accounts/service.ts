import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import type { LoginLimiter } from '../auth/login-limiter.ts';
import { deleteOtherSessions, type SessionUser } from '../auth/sessions.ts';
import { fields, parseInput } from '../validation.ts';

export const signupInput = z.object({
	email: fields.email,
	password: fields.password,
	name: fields.personName
});

export const loginInput = z.object({
	email: fields.email,
	password: z.string().min(1).max(256)
});

export const passwordChangeInput = z.object({
	currentPassword: z.string().min(1).max(256),
	newPassword: fields.password
});

function toSessionUser(row: { id: string; email: string; name: string; is_admin: boolean; email_verified_at: Date | null }): SessionUser {
	return { id: row.id, email: row.email, name: row.name, isAdmin: row.is_admin, emailVerified: row.email_verified_at !== null };
}

/**
 * Creates an account; the very first account of a deployment becomes its admin. `limit` counts
 * the sign-up against the caller's address before the password is hashed (argon2 is what a
 * flood of sign-ups would spend the server's CPU on). The address is unverified until its owner
 * opens the link mailed by `sendEmailVerification`.
 */
export async function signUp(db: Db, input: unknown, limit?: () => Promise<void>): Promise<SessionUser> {
	const { email, password, name } = parseInput(signupInput, input);
	await limit?.();
	const passwordHash = await hashPassword(password);
	return db.transaction().execute(async (trx) => {
		// Serializes the "first user" decision between concurrent signups on PostgreSQL.
		await sql`lock table users in share row exclusive mode`.execute(trx);
		const { count } = await trx
			.selectFrom('users')
			.select((eb) => eb.fn.countAll<number>().as('count'))
			.executeTakeFirstOrThrow();
		const row = await trx
			.insertInto('users')
			.values({ id: newId(), email, name, password_hash: passwordHash, is_admin: Number(count) === 0 })
			.onConflict((oc) => oc.column('email').doNothing())
			.returningAll()
			.executeTakeFirst();
		if (!row) throw new AppError('email_taken', { fields: { email: 'invalid_choice' } });
		return toSessionUser(row);
	});
}

export async function logIn(db: Db, limiter: LoginLimiter, input: unknown, address: string): Promise<SessionUser> {
	const { email, password } = parseInput(loginInput, input);
	const attempt = await limiter.attempt(email, address);
	const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
	// Verify even for an unknown email so timing does not tell which emails have accounts.
	const valid = await verifyPassword(row?.password_hash ?? DUMMY_HASH, password);
	if (!row || !valid) throw new AppError('invalid_credentials');
	await attempt.succeeded();
	return toSessionUser(row);
}

/**
 * Changes the user's password after checking the current one, and ends every other session of
 * the user in the same transaction (someone who knew the old password is signed out everywhere);
 * `keepSessionId`, the session asking, stays valid. Answers the ended session ids, whose live
 * connections the caller closes. A wrong current password counts against the same caps as a
 * failed login: a guess is a guess, wherever it is typed.
 */
export async function changePassword(
	db: Db,
	limiter: LoginLimiter,
	user: Pick<SessionUser, 'id' | 'email'>,
	keepSessionId: string,
	input: unknown,
	address: string
): Promise<{ endedSessionIds: string[] }> {
	const { currentPassword, newPassword } = parseInput(passwordChangeInput, input);
	const attempt = await limiter.attempt(user.email, address);
	const row = await db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirst();
	if (!row) throw new AppError('unauthorized');
	if (!(await verifyPassword(row.password_hash, currentPassword))) {
		throw new AppError('wrong_password', { fields: { currentPassword: 'wrong_password' } });
	}
	await attempt.succeeded();
	const passwordHash = await hashPassword(newPassword);
	const endedSessionIds = await db.transaction().execute(async (trx) => {
		await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', user.id).execute();
		return deleteOtherSessions(trx, user.id, keepSessionId);
	});
	return { endedSessionIds };
}

// argon2id hash of a random string, used only to spend the same time on unknown emails.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0m8Jm1dBGCFVP0VY3l1oYqwQ0kFlK3UEuGkzJc8Jq1k';

export async function findUserByEmail(db: Db, email: string) {
	return db
		.selectFrom('users')
		.select(['id', 'email', 'name', 'is_admin'])
		.where('email', '=', email.trim().toLowerCase())
		.executeTakeFirst();
}
