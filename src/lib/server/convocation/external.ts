import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import { tableRoles, type TableRole } from '../../domain/tables.ts';
import { AppError, type FieldProblem } from '../errors.ts';
import { hashToken, type SessionUser } from '../auth/sessions.ts';
import { newId } from '../ids.ts';
import { fields, parseInput, textLimits } from '../validation.ts';
import { insertInvitation, invitationUrl } from '../invitations/service.ts';

/**
 * Recipients of a convocation from outside the table (issue 14, item 7): mayors, schools,
 * services, associations the coordinator wants at the meeting. Each is filed under a stakeholder
 * category (the letter lists its recipients by category) and gets the letter with a personal
 * invitation link to the table: a new invitation for that address, or the one already pending
 * (its link renewed, the earlier one stops working, as when an invitation is sent again).
 */
export const externalRecipientInput = z.object({
	email: fields.email,
	categoryId: fields.id,
	name: z.string().trim().max(textLimits.name).default(''),
	representedBody: z.string().trim().max(textLimits.representedBody).default(''),
	role: z.enum(tableRoles).default('participant')
});

export const externalInput = z.object({
	externalRecipients: z.array(externalRecipientInput).default([]),
	/** Pending invitations (with an address) of the table, whose people get the letter and their link. */
	invitationIds: z.array(fields.id).default([])
});

export interface ExternalRecipient {
	email: string;
	name: string;
	categoryId: string | null;
	representedBody: string;
	role: TableRole;
	/** The pending invitation to renew; null: one is created. */
	invitationId: string | null;
}

export interface PreparedRecipient extends ExternalRecipient {
	invitationId: string;
	url: string;
	expiresAt: Date;
}

const refuse = (problems: Record<string, FieldProblem>): never => {
	throw new AppError('validation_failed', { fields: problems });
};

/**
 * Reads and checks the external recipients of a send, before anything is written or mailed: at
 * most `maxRecipients`, each address once (also against the picked invitations), none already a
 * member of the table (members get the letter anyway), categories of the table's programme, picked
 * invitations pending on this table with an address. Any refusal refuses the whole send.
 */
export async function checkExternalRecipients(
	db: Db,
	tableId: string,
	input: unknown,
	maxRecipients: number
): Promise<ExternalRecipient[]> {
	const body = input && typeof input === 'object' ? input : {};
	const given = parseInput(externalInput, {
		externalRecipients: (body as Record<string, unknown>).externalRecipients,
		invitationIds: (body as Record<string, unknown>).invitationIds
	});
	if (given.externalRecipients.length + given.invitationIds.length > maxRecipients)
		refuse({ [given.externalRecipients.length > 0 ? 'externalRecipients' : 'invitationIds']: 'too_long' });

	const picked =
		given.invitationIds.length === 0
			? []
			: await db
					.selectFrom('invitations')
					.selectAll()
					.where('table_id', '=', tableId)
					.where('id', 'in', given.invitationIds)
					.where('email', 'is not', null)
					.where('revoked_at', 'is', null)
					.where('expires_at', '>', new Date())
					.whereRef('uses', '<', 'max_uses')
					.execute();
	const problems: Record<string, FieldProblem> = {};
	// Each recipient with the key naming its address in the request, to tell which one is refused.
	const listed: Array<{ key: string; recipient: ExternalRecipient }> = [];
	given.invitationIds.forEach((id, index) => {
		const row = picked.find((p) => p.id === id);
		if (!row) problems[`invitationIds.${index}`] = 'invalid_choice';
		else
			listed.push({
				key: `invitationIds.${index}`,
				recipient: {
					email: row.email!,
					name: row.name,
					categoryId: row.category_id,
					representedBody: row.represented_body,
					role: row.role,
					invitationId: row.id
				}
			});
	});
	const categoryIds = [...new Set(given.externalRecipients.map((r) => r.categoryId))];
	const categories =
		categoryIds.length === 0
			? []
			: await db
					.selectFrom('stakeholder_categories')
					.innerJoin('tables', 'tables.programme_id', 'stakeholder_categories.programme_id')
					.select('stakeholder_categories.id')
					.where('tables.id', '=', tableId)
					.where('stakeholder_categories.id', 'in', categoryIds)
					.execute();
	given.externalRecipients.forEach((recipient, index) => {
		if (!categories.some((c) => c.id === recipient.categoryId)) problems[`externalRecipients.${index}.categoryId`] = 'invalid_choice';
		listed.push({ key: `externalRecipients.${index}.email`, recipient: { ...recipient, invitationId: null } });
	});

	const seen = new Set<string>();
	for (const { key, recipient } of listed) {
		if (seen.has(recipient.email)) problems[key] ??= 'duplicate';
		seen.add(recipient.email);
	}
	const emails = [...seen];
	const members =
		emails.length === 0
			? []
			: await db
					.selectFrom('memberships')
					.innerJoin('users', 'users.id', 'memberships.user_id')
					.select('users.email')
					.where('memberships.table_id', '=', tableId)
					.where('users.email', 'in', emails)
					.execute();
	for (const { key, recipient } of listed) {
		if (members.some((member) => member.email === recipient.email)) problems[key] ??= 'already_member';
	}
	if (Object.keys(problems).length > 0) refuse(problems);
	return listed.map((entry) => entry.recipient);
}

/**
 * In one transaction: a pending invitation for each recipient (the picked one, the one already
 * pending for the address, or a new one with the recipient's role, category, name and body),
 * each with a new link. Answers the links to mail; a failure writes nothing.
 */
export async function prepareInvitations(
	db: Db,
	user: SessionUser,
	tableId: string,
	recipients: ExternalRecipient[],
	deps: { origin: string; invitationDays: number }
): Promise<PreparedRecipient[]> {
	if (recipients.length === 0) return [];
	return db.transaction().execute(async (trx) => {
		const prepared: PreparedRecipient[] = [];
		for (const recipient of recipients) {
			const token = newId(20);
			// The picked invitation, or the latest still pending for the address.
			const found = await trx
				.selectFrom('invitations')
				.select(['id', 'role', 'expires_at'])
				.where('table_id', '=', tableId)
				.where((eb) => (recipient.invitationId ? eb('id', '=', recipient.invitationId) : eb('email', '=', recipient.email)))
				.where('email', 'is not', null)
				.where('revoked_at', 'is', null)
				.where('expires_at', '>', new Date())
				.whereRef('uses', '<', 'max_uses')
				.orderBy('created_at', 'desc')
				.limit(1)
				.forUpdate()
				.executeTakeFirst();
			if (found) {
				await trx
					.updateTable('invitations')
					.set({ token_hash: hashToken(token) })
					.where('id', '=', found.id)
					.execute();
				prepared.push({
					...recipient,
					role: found.role,
					invitationId: found.id,
					url: invitationUrl(deps.origin, token),
					expiresAt: new Date(found.expires_at)
				});
				continue;
			}
			// A picked invitation revoked, used or expired since it was checked: the whole send stops.
			if (recipient.invitationId) refuse({ invitationIds: 'invalid_choice' });
			const expiresAt = new Date(Date.now() + deps.invitationDays * 86_400_000);
			const created = await insertInvitation(trx, user, tableId, {
				role: recipient.role,
				email: recipient.email,
				name: recipient.name,
				representedBody: recipient.representedBody,
				categoryId: recipient.categoryId,
				maxUses: 1,
				expiresAt
			});
			prepared.push({ ...recipient, invitationId: created.id, url: invitationUrl(deps.origin, created.token), expiresAt });
		}
		return prepared;
	});
}

/** Records how an external recipient's mail went on their invitation (listed with the pending ones). */
export async function recordInvitationMail(db: Db, invitationId: string, status: 'sent' | 'failed', error: string | null) {
	await db
		.updateTable('invitations')
		.set({ mail_status: status, mail_error: error, mailed_at: status === 'sent' ? sql`now()` : null })
		.where('id', '=', invitationId)
		.execute();
}
