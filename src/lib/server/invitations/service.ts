import { sql } from 'kysely';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Db } from '../db/connect.ts';
import type { Mailer } from '../mail/mailer.ts';
import { notify, type NotificationDeps } from '../notifications/service.ts';
import { tableRoles, type TableRole } from '../../domain/tables.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { hashToken, type SessionUser } from '../auth/sessions.ts';
import { authorizeOnTable } from '../authz/access.ts';
import { assertCategoryOfTable } from '../tables/service.ts';
import { fields, parseInput } from '../validation.ts';
import { findTableHeading } from '../tables/queries.ts';
import { invitationMail } from './mail.ts';

const MAX_USES_CAP = 500;
const MAX_DAYS = 90;

export const invitationInput = z.object({
	role: z.enum(tableRoles),
	email: z
		.string()
		.trim()
		.transform((v) => (v === '' ? undefined : v))
		.pipe(fields.email.optional())
		.optional(),
	categoryId: z
		.string()
		.trim()
		.max(64)
		.transform((v) => (v === '' ? undefined : v))
		.optional(),
	maxUses: z.coerce.number().int().min(1).max(MAX_USES_CAP).default(1),
	expiresInDays: z.coerce.number().int().min(1).max(MAX_DAYS).optional()
});

/** What creating, listing and mailing invitations needs from the app. */
export interface InvitationDeps {
	db: Db;
	mailer: Mailer;
	logger: Pick<Logger, 'error'>;
	/** The public URL the personal links point to. */
	origin: string;
	/** Days a link stays valid when the coordinator does not choose. */
	defaultDays: number;
}

/** null: the invitation has no address, nothing to mail. */
export type InvitationMailStatus = 'sent' | 'failed' | null;

export interface CreatedInvitation {
	id: string;
	token: string;
	url: string;
	expiresAt: Date;
	mailStatus: InvitationMailStatus;
}

export interface PendingInvitation {
	id: string;
	role: TableRole;
	email: string | null;
	name: string;
	representedBody: string;
	categoryId: string | null;
	maxUses: number;
	uses: number;
	expiresAt: Date;
	createdAt: Date;
	mailStatus: InvitationMailStatus;
	/** The mail server's refusal when it failed (for the coordinator to judge the address). */
	mailError: string | null;
	mailedAt: Date | null;
}

export type InvitationState = 'valid' | 'expired' | 'used_up' | 'revoked';

export interface InvitationPreview {
	state: InvitationState;
	role: TableRole;
	/**
	 * Whether only the account with one address may accept it. The address itself is not shown:
	 * whoever holds the link (forwarded, leaked) must not learn whom it was meant for.
	 */
	emailBound: boolean;
	table: { id: string; name: string; territory: string; description: string; programmeName: string };
	expiresAt: Date;
}

export function invitationUrl(origin: string, token: string): string {
	return `${origin}/invite/${token}`;
}

/** One invitation to write: what `createInvitation` and the import both insert. */
export interface NewInvitation {
	role: TableRole;
	email: string | null;
	name?: string;
	representedBody?: string;
	categoryId: string | null;
	maxUses: number;
	expiresAt: Date;
}

/** Inserts an invitation (already checked) and answers its id and the token only its link holds. */
export async function insertInvitation(db: Db, user: SessionUser, tableId: string, invitation: NewInvitation) {
	const token = newId(20);
	const id = newId();
	await db
		.insertInto('invitations')
		.values({
			id,
			table_id: tableId,
			token_hash: hashToken(token),
			role: invitation.role,
			email: invitation.email,
			name: invitation.name ?? '',
			represented_body: invitation.representedBody ?? '',
			category_id: invitation.categoryId,
			max_uses: invitation.maxUses,
			expires_at: invitation.expiresAt,
			created_by: user.id
		})
		.execute();
	return { id, token };
}

function errorText(error: unknown): string {
	return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

/**
 * Mails the personal link of an invitation with an address, Reply-To the coordinator who invited,
 * and records how it went. A refusal by the mail server is kept on the invitation, never thrown:
 * the invitation stays, listed as not sent, and can be sent again.
 */
export async function mailInvitation(
	deps: Pick<InvitationDeps, 'db' | 'mailer' | 'logger'>,
	inviter: { name: string; email: string },
	invitation: { id: string; tableId: string; email: string; name: string; role: TableRole; url: string; expiresAt: Date }
): Promise<'sent' | 'failed'> {
	let status: 'sent' | 'failed';
	let failure: string | null = null;
	try {
		const table = await findTableHeading(deps.db, invitation.tableId);
		const mail = invitationMail({
			name: invitation.name,
			email: invitation.email,
			table: table.name,
			programme: table.programme,
			role: invitation.role,
			inviter: inviter.name,
			url: invitation.url,
			expiresAt: invitation.expiresAt
		});
		await deps.mailer.send({
			to: { name: invitation.name, email: invitation.email },
			replyTo: { name: inviter.name, email: inviter.email },
			subject: mail.subject,
			text: mail.text
		});
		status = 'sent';
	} catch (error) {
		deps.logger.error({ err: error, invitationId: invitation.id }, 'an invitation mail was not sent');
		status = 'failed';
		failure = errorText(error);
	}
	await deps.db
		.updateTable('invitations')
		.set({ mail_status: status, mail_error: failure, mailed_at: status === 'sent' ? sql`now()` : null })
		.where('id', '=', invitation.id)
		.execute();
	return status;
}

/**
 * `POST /api/v1/tables/:id/invitations`: a link for one person (with `email`, bound to that
 * address and mailed to it) or for several (`maxUses`).
 */
export async function createInvitation(
	deps: InvitationDeps,
	user: SessionUser,
	tableId: string,
	input: unknown
): Promise<CreatedInvitation> {
	const { db } = deps;
	await authorizeOnTable(db, user, tableId, 'invitation.manage');
	const data = parseInput(invitationInput, input);
	if (data.email && data.maxUses > 1) {
		throw new AppError('validation_failed', { fields: { maxUses: 'invalid_choice' } });
	}
	if (data.categoryId) await assertCategoryOfTable(db, tableId, data.categoryId);
	const expiresAt = new Date(Date.now() + (data.expiresInDays ?? deps.defaultDays) * 86_400_000);
	const { id, token } = await insertInvitation(db, user, tableId, {
		role: data.role,
		email: data.email ?? null,
		categoryId: data.categoryId ?? null,
		maxUses: data.maxUses,
		expiresAt
	});
	const url = invitationUrl(deps.origin, token);
	const mailStatus = data.email
		? await mailInvitation(deps, user, { id, tableId, email: data.email, name: '', role: data.role, url, expiresAt })
		: null;
	return { id, token, url, expiresAt, mailStatus };
}

/**
 * `POST /api/v1/tables/:id/invitations/:invitationId/send`: mails a pending invitation with an
 * address again (after a failure, or when the person lost it). Only the hash of a link is stored,
 * so the mail carries a new link and the old one stops working: at most one link per person.
 */
export async function resendInvitation(
	deps: InvitationDeps,
	user: SessionUser,
	tableId: string,
	invitationId: string
): Promise<{ mailStatus: 'sent' | 'failed'; expiresAt: Date }> {
	const { db } = deps;
	await authorizeOnTable(db, user, tableId, 'invitation.manage');
	const token = newId(20);
	const row = await db
		.updateTable('invitations')
		.set({ token_hash: hashToken(token) })
		.where('id', '=', invitationId)
		.where('table_id', '=', tableId)
		.where('email', 'is not', null)
		.where('revoked_at', 'is', null)
		.where('expires_at', '>', new Date())
		.whereRef('uses', '<', 'max_uses')
		.returningAll()
		.executeTakeFirst();
	if (!row || !row.email) throw new AppError('not_found');
	const expiresAt = new Date(row.expires_at);
	const mailStatus = await mailInvitation(deps, user, {
		id: row.id,
		tableId,
		email: row.email,
		name: row.name,
		role: row.role,
		url: invitationUrl(deps.origin, token),
		expiresAt
	});
	return { mailStatus, expiresAt };
}

export async function listPendingInvitations(db: Db, user: SessionUser, tableId: string): Promise<PendingInvitation[]> {
	await authorizeOnTable(db, user, tableId, 'invitation.manage');
	const rows = await db
		.selectFrom('invitations')
		.selectAll()
		.where('table_id', '=', tableId)
		.where('revoked_at', 'is', null)
		.where('expires_at', '>', new Date())
		.whereRef('uses', '<', 'max_uses')
		.orderBy('created_at', 'desc')
		.execute();
	return rows.map((r) => ({
		id: r.id,
		role: r.role,
		email: r.email,
		name: r.name,
		representedBody: r.represented_body,
		categoryId: r.category_id,
		maxUses: r.max_uses,
		uses: r.uses,
		expiresAt: new Date(r.expires_at),
		createdAt: new Date(r.created_at),
		mailStatus: r.mail_status,
		mailError: r.mail_error,
		mailedAt: r.mailed_at ? new Date(r.mailed_at) : null
	}));
}

export async function revokeInvitation(db: Db, user: SessionUser, tableId: string, invitationId: string): Promise<void> {
	await authorizeOnTable(db, user, tableId, 'invitation.manage');
	const result = await db
		.updateTable('invitations')
		.set({ revoked_at: new Date() })
		.where('id', '=', invitationId)
		.where('table_id', '=', tableId)
		.where('revoked_at', 'is', null)
		.executeTakeFirst();
	if (Number(result.numUpdatedRows) === 0) throw new AppError('not_found');
}

function stateOf(row: { revoked_at: Date | null; expires_at: Date; uses: number; max_uses: number }): InvitationState {
	if (row.revoked_at) return 'revoked';
	if (new Date(row.expires_at).getTime() <= Date.now()) return 'expired';
	if (row.uses >= row.max_uses) return 'used_up';
	return 'valid';
}

/** What the landing page shows before anyone signs in; unknown tokens are not_found. */
export async function previewInvitation(db: Db, token: string): Promise<InvitationPreview> {
	if (!/^[a-z2-7]{1,64}$/.test(token)) throw new AppError('not_found');
	const row = await db
		.selectFrom('invitations')
		.innerJoin('tables', 'tables.id', 'invitations.table_id')
		.innerJoin('programmes', 'programmes.id', 'tables.programme_id')
		.select([
			'invitations.role',
			'invitations.email',
			'invitations.revoked_at',
			'invitations.expires_at',
			'invitations.uses',
			'invitations.max_uses',
			'tables.id as table_id',
			'tables.name',
			'tables.territory',
			'tables.description',
			'programmes.name as programme_name'
		])
		.where('invitations.token_hash', '=', hashToken(token))
		.executeTakeFirst();
	if (!row) throw new AppError('not_found');
	return {
		state: stateOf(row),
		role: row.role,
		emailBound: row.email !== null,
		table: { id: row.table_id, name: row.name, territory: row.territory, description: row.description, programmeName: row.programme_name },
		expiresAt: new Date(row.expires_at)
	};
}

const refusal: Record<Exclude<InvitationState, 'valid'>, 'invitation_expired' | 'invitation_used_up' | 'invitation_revoked'> = {
	expired: 'invitation_expired',
	used_up: 'invitation_used_up',
	revoked: 'invitation_revoked'
};

/**
 * Joins the user to the invitation's table. One use is counted atomically (a row lock), so a
 * capped link never admits more people than its cap even when they click at the same moment.
 * Someone already a member keeps their role and spends no use. A link bound to an address is
 * accepted only by the account with that address, once the address is verified.
 */
export async function acceptInvitation(
	db: Db,
	user: SessionUser,
	token: string,
	notifications?: NotificationDeps
): Promise<{ tableId: string; role: TableRole; alreadyMember: boolean }> {
	if (!/^[a-z2-7]{1,64}$/.test(token)) throw new AppError('not_found');
	const result = await db.transaction().execute(async (trx) => {
		const row = await trx.selectFrom('invitations').selectAll().where('token_hash', '=', hashToken(token)).forUpdate().executeTakeFirst();
		if (!row) throw new AppError('not_found');
		const existing = await trx
			.selectFrom('memberships')
			.select('role')
			.where('table_id', '=', row.table_id)
			.where('user_id', '=', user.id)
			.executeTakeFirst();
		if (existing) return { tableId: row.table_id, role: existing.role, alreadyMember: true };
		const state = stateOf(row);
		if (state !== 'valid') throw new AppError(refusal[state]);
		if (row.email) {
			if (row.email !== user.email) throw new AppError('invitation_wrong_email');
			// Anyone can sign up with any address: only an owner who proved it may use a bound link.
			const account = await trx.selectFrom('users').select('email_verified_at').where('id', '=', user.id).executeTakeFirst();
			if (!account?.email_verified_at) throw new AppError('email_not_verified');
		}
		await trx
			.updateTable('invitations')
			.set({ uses: sql`uses + 1` })
			.where('id', '=', row.id)
			.execute();
		await trx
			.insertInto('memberships')
			.values({
				id: newId(),
				table_id: row.table_id,
				user_id: user.id,
				role: row.role,
				category_id: row.category_id,
				represented_body: row.represented_body
			})
			.execute();
		return { tableId: row.table_id, role: row.role, alreadyMember: false };
	});
	// A new member: the table's coordinators hear who joined.
	if (!result.alreadyMember) {
		await notify(notifications, {
			kind: 'invitation_accepted',
			tableId: result.tableId,
			subjectId: result.tableId,
			actor: user,
			recipients: 'coordinators',
			payload: {}
		});
	}
	return result;
}
