import type { Logger } from 'pino';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import type { Mailer } from '../mail/mailer.ts';
import { hashPassword } from '../auth/password.ts';
import type { PasswordResetLimiter } from '../auth/password-reset-limiter.ts';
import { generateOneTimeToken, parseOneTimeToken, secretMatches } from '../auth/one-time-tokens.ts';
import { fields, parseInput } from '../validation.ts';

/**
 * The links Tavolo mails about an account: "confirm your address" after signup and "set a new
 * password". Each is a one-time token (see one-time-tokens.ts), deleted when used or replaced by a
 * newer one, and refused once expired.
 */
export interface AccountLinkSettings {
	/** TAVOLO_EMAIL_VERIFICATION_HOURS */
	emailVerificationHours: number;
	/** TAVOLO_PASSWORD_RESET_MINUTES */
	passwordResetMinutes: number;
}

export interface AccountMailDeps {
	db: Db;
	mailer: Mailer;
	logger: Pick<Logger, 'info' | 'error'>;
	/** The public URL the links point to (ORIGIN, or the host the request came to). */
	baseUrl: string;
	settings: AccountLinkSettings;
}

const tokenInput = z.object({ token: z.string().max(200) });
export const passwordResetRequestInput = z.object({ email: fields.email });
export const passwordResetConfirmInput = z.object({ token: z.string().max(200), password: fields.password });

export function emailVerificationUrl(baseUrl: string, token: string): string {
	// In the query, not the path: the access log records paths only.
	return `${baseUrl}/verify-email?token=${token}`;
}

export function passwordResetUrl(baseUrl: string, token: string): string {
	return `${baseUrl}/password-reset/new?token=${token}`;
}

/**
 * Mails the user a link that proves their address. A newer link replaces the older ones, so only
 * the last mail works. Mail failures are the caller's to log (see `sendInBackground`).
 */
export async function sendEmailVerification(deps: AccountMailDeps, user: { id: string; email: string; name: string }): Promise<void> {
	const { id, token, secretHash } = generateOneTimeToken();
	const hours = deps.settings.emailVerificationHours;
	await deps.db.transaction().execute(async (trx) => {
		await trx.deleteFrom('email_verifications').where('user_id', '=', user.id).execute();
		await trx
			.insertInto('email_verifications')
			.values({ id, secret_hash: secretHash, user_id: user.id, email: user.email, expires_at: new Date(Date.now() + hours * 3_600_000) })
			.execute();
	});
	const url = emailVerificationUrl(deps.baseUrl, token);
	await deps.mailer.send({
		to: { name: user.name, email: user.email },
		subject: 'Conferma il tuo indirizzo email · Tavolo',
		text: [
			`Ciao ${user.name},`,
			'',
			'per confermare che questo indirizzo è tuo apri il link qui sotto e premi «Conferma l’indirizzo»:',
			url,
			'',
			`Il link vale ${hours} ore e si può usare una volta sola. Se non hai creato tu un account su Tavolo, ignora questa email.`,
			'',
			'—',
			'To confirm this address is yours, open the link above and press the button. If you did not sign up for Tavolo, ignore this mail.'
		].join('\n')
	});
}

/** Runs mail work after the answer has gone out; a failure is logged, never shown to the caller. */
export function sendInBackground(deps: Pick<AccountMailDeps, 'logger'>, what: string, work: () => Promise<void>): void {
	void work().catch((error: unknown) => deps.logger.error({ err: error, mail: what }, 'account mail failed'));
}

/** Whether the user's current address has been proven. */
export async function isEmailVerified(db: Db, userId: string): Promise<boolean> {
	const row = await db.selectFrom('users').select('email_verified_at').where('id', '=', userId).executeTakeFirst();
	return Boolean(row?.email_verified_at);
}

/**
 * `POST /api/v1/auth/verify-email {token}`: marks the address verified. The link works once; an
 * unknown, used or altered token is `invalid_token`, an old one `token_expired`. No session is
 * needed: the link may be opened on another device than the one that signed up.
 */
export async function verifyEmail(db: Db, input: unknown): Promise<{ userId: string; email: string }> {
	const parts = parseOneTimeToken(parseInput(tokenInput, input).token);
	if (!parts) throw new AppError('invalid_token');
	return db.transaction().execute(async (trx) => {
		const row = await trx
			.selectFrom('email_verifications')
			.innerJoin('users', 'users.id', 'email_verifications.user_id')
			.select([
				'email_verifications.id',
				'email_verifications.secret_hash',
				'email_verifications.user_id',
				'email_verifications.email',
				'email_verifications.expires_at',
				'users.email as current_email'
			])
			.where('email_verifications.id', '=', parts.id)
			.forUpdate()
			.executeTakeFirst();
		if (!row || !secretMatches(parts.secret, row.secret_hash)) throw new AppError('invalid_token');
		if (new Date(row.expires_at).getTime() <= Date.now()) {
			await trx.deleteFrom('email_verifications').where('id', '=', row.id).execute();
			throw new AppError('token_expired');
		}
		if (row.email !== row.current_email) throw new AppError('invalid_token');
		await trx
			.updateTable('users')
			.set({ email_verified_at: new Date() })
			.where('id', '=', row.user_id)
			.where('email_verified_at', 'is', null)
			.execute();
		await trx.deleteFrom('email_verifications').where('user_id', '=', row.user_id).execute();
		return { userId: row.user_id, email: row.email };
	});
}

/**
 * `POST /api/v1/auth/password-reset {email}`: counts the request (per e-mail and per client
 * address, whether or not an account exists), then answers at once; looking the address up,
 * storing a token and mailing the link happen after the answer, so neither the status nor the
 * time taken tells whether the address has an account.
 */
export async function requestPasswordReset(
	deps: AccountMailDeps,
	limiter: PasswordResetLimiter,
	input: unknown,
	address: string
): Promise<void> {
	const { email } = parseInput(passwordResetRequestInput, input);
	await limiter.consumeRequest(email, address);
	sendInBackground(deps, 'password-reset', () => mailPasswordReset(deps, email));
}

async function mailPasswordReset(deps: AccountMailDeps, email: string): Promise<void> {
	const user = await deps.db.selectFrom('users').select(['id', 'email', 'name']).where('email', '=', email).executeTakeFirst();
	if (!user) {
		deps.logger.info({ mail: 'password-reset' }, 'password reset asked for an address without an account: no mail sent');
		return;
	}
	const { id, token, secretHash } = generateOneTimeToken();
	const minutes = deps.settings.passwordResetMinutes;
	await deps.db.transaction().execute(async (trx) => {
		// Only the newest link works: asking again voids the earlier mails.
		await trx.deleteFrom('password_resets').where('user_id', '=', user.id).execute();
		await trx
			.insertInto('password_resets')
			.values({ id, secret_hash: secretHash, user_id: user.id, expires_at: new Date(Date.now() + minutes * 60_000) })
			.execute();
	});
	await deps.mailer.send({
		to: { name: user.name, email: user.email },
		subject: 'Imposta una nuova password · Tavolo',
		text: [
			`Ciao ${user.name},`,
			'',
			'qualcuno (speriamo tu) ha chiesto di impostare una nuova password per il tuo account Tavolo. Apri il link qui sotto e scegli la nuova password:',
			passwordResetUrl(deps.baseUrl, token),
			'',
			`Il link vale ${minutes} minuti e si può usare una volta sola. Quando cambi la password, Tavolo chiude tutte le sessioni aperte con il tuo account.`,
			'Se non l’hai chiesto tu, ignora questa email: la password resta quella di prima.',
			'',
			'—',
			'Someone asked to set a new password for your Tavolo account: open the link above to choose it. If it was not you, ignore this mail.'
		].join('\n')
	});
}

/**
 * `POST /api/v1/auth/password-reset/confirm {token, password}`: sets the new password, voids the
 * link (and any other reset link of the user) and deletes every session of the user in one
 * transaction. Answers the ended session ids, whose live connections the caller closes. Opening
 * the mailed link proves the address too, so an unverified address becomes verified.
 */
export async function confirmPasswordReset(
	db: Db,
	limiter: PasswordResetLimiter,
	input: unknown,
	address: string
): Promise<{ userId: string; endedSessionIds: string[] }> {
	const data = parseInput(passwordResetConfirmInput, input);
	await limiter.consumeConfirm(address);
	const parts = parseOneTimeToken(data.token);
	if (!parts) throw new AppError('invalid_token');
	const passwordHash = await hashPassword(data.password);
	return db.transaction().execute(async (trx) => {
		const row = await trx.selectFrom('password_resets').selectAll().where('id', '=', parts.id).forUpdate().executeTakeFirst();
		if (!row || !secretMatches(parts.secret, row.secret_hash)) throw new AppError('invalid_token');
		if (new Date(row.expires_at).getTime() <= Date.now()) {
			await trx.deleteFrom('password_resets').where('id', '=', row.id).execute();
			throw new AppError('token_expired');
		}
		await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', row.user_id).execute();
		await trx
			.updateTable('users')
			.set({ email_verified_at: new Date() })
			.where('id', '=', row.user_id)
			.where('email_verified_at', 'is', null)
			.execute();
		await trx.deleteFrom('password_resets').where('user_id', '=', row.user_id).execute();
		const ended = await trx.deleteFrom('sessions').where('user_id', '=', row.user_id).returning('id').execute();
		return { userId: row.user_id, endedSessionIds: ended.map((s) => s.id) };
	});
}
