import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import { tableRoles, type TableRole } from '../../domain/tables.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { hashToken, type SessionUser } from '../auth/sessions.ts';
import { authorizeOnTable } from '../authz/access.ts';
import { assertCategoryOfTable } from '../tables/service.ts';
import { fields, parseInput } from '../validation.ts';

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

export interface CreatedInvitation {
	id: string;
	token: string;
	url: string;
	expiresAt: Date;
}

export interface PendingInvitation {
	id: string;
	role: TableRole;
	email: string | null;
	categoryId: string | null;
	maxUses: number;
	uses: number;
	expiresAt: Date;
	createdAt: Date;
}

export type InvitationState = 'valid' | 'expired' | 'used_up' | 'revoked';

export interface InvitationPreview {
	state: InvitationState;
	role: TableRole;
	email: string | null;
	table: { id: string; name: string; territory: string; description: string; programmeName: string };
	expiresAt: Date;
}

export function invitationUrl(origin: string, token: string): string {
	return `${origin}/invite/${token}`;
}

export async function createInvitation(
	db: Db,
	user: SessionUser,
	tableId: string,
	input: unknown,
	options: { origin: string; defaultDays: number }
): Promise<CreatedInvitation> {
	await authorizeOnTable(db, user, tableId, 'invitation.manage');
	const data = parseInput(invitationInput, input);
	if (data.email && data.maxUses > 1) {
		throw new AppError('validation_failed', { fields: { maxUses: 'invalid_choice' } });
	}
	if (data.categoryId) await assertCategoryOfTable(db, tableId, data.categoryId);
	const token = newId(20);
	const id = newId();
	const expiresAt = new Date(Date.now() + (data.expiresInDays ?? options.defaultDays) * 86_400_000);
	await db
		.insertInto('invitations')
		.values({
			id,
			table_id: tableId,
			token_hash: hashToken(token),
			role: data.role,
			email: data.email ?? null,
			category_id: data.categoryId ?? null,
			max_uses: data.maxUses,
			expires_at: expiresAt,
			created_by: user.id
		})
		.execute();
	return { id, token, url: invitationUrl(options.origin, token), expiresAt };
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
		categoryId: r.category_id,
		maxUses: r.max_uses,
		uses: r.uses,
		expiresAt: new Date(r.expires_at),
		createdAt: new Date(r.created_at)
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
		email: row.email,
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
 * Someone already a member keeps their role and spends no use.
 */
export async function acceptInvitation(
	db: Db,
	user: SessionUser,
	token: string
): Promise<{ tableId: string; role: TableRole; alreadyMember: boolean }> {
	if (!/^[a-z2-7]{1,64}$/.test(token)) throw new AppError('not_found');
	return db.transaction().execute(async (trx) => {
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
		if (row.email && row.email !== user.email) throw new AppError('invitation_wrong_email');
		await trx
			.updateTable('invitations')
			.set({ uses: sql`uses + 1` })
			.where('id', '=', row.id)
			.execute();
		await trx
			.insertInto('memberships')
			.values({ id: newId(), table_id: row.table_id, user_id: user.id, role: row.role, category_id: row.category_id })
			.execute();
		return { tableId: row.table_id, role: row.role, alreadyMember: false };
	});
}
