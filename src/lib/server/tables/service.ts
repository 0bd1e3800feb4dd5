import type { MembershipChange, MembershipChanges } from '../events.ts';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import { tableRoles, type TableRole } from '../../domain/tables.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { authorizeGlobal, authorizeOnTable } from '../authz/access.ts';
import { can } from '../authz/policy.ts';
import { recordAudit } from '../audit/service.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { ensureDefaultProgramme, listCategories, type Category } from '../programmes/service.ts';
import { fields, parseInput, textLimits } from '../validation.ts';

export interface TableSummary {
	id: string;
	programmeId: string;
	programmeName: string;
	name: string;
	territory: string;
	description: string;
	/** The caller's role; null for an admin who is not a member. */
	role: TableRole | null;
	memberCount: number;
	nextMeeting: { id: string; title: string; startsAt: Date; status: string } | null;
	liveMeetingId: string | null;
}

export interface Member {
	membershipId: string;
	userId: string;
	name: string;
	/** Only for those who may contact members (coordinators and admins: `member.contact`). */
	email?: string;
	role: TableRole;
	categoryId: string | null;
	representedBody: string;
	joinedAt: Date;
}

export interface TableDetail extends Omit<TableSummary, 'memberCount' | 'nextMeeting' | 'liveMeetingId'> {
	categories: Category[];
	expectedCategoryIds: string[];
	members: Member[];
}

export const tableInput = z.object({
	name: fields.tableName,
	territory: fields.territory,
	description: fields.description,
	programmeId: fields.id.optional(),
	expectedCategoryIds: z.array(fields.id).max(50).optional()
});

export async function createTable(db: Db, user: SessionUser, input: unknown): Promise<TableSummary> {
	authorizeGlobal(user, 'table.create');
	const data = parseInput(tableInput, input);
	const programmeId = data.programmeId ?? (await ensureDefaultProgramme(db));
	const programme = await db.selectFrom('programmes').select(['id', 'name']).where('id', '=', programmeId).executeTakeFirst();
	if (!programme) throw new AppError('validation_failed', { fields: { programmeId: 'invalid_choice' } });
	const categories = await listCategories(db, programme.id);
	// Without a choice, a table expects every category of its programme (the letter's full list).
	const expected = data.expectedCategoryIds ?? categories.map((c) => c.id);
	if (expected.some((id) => !categories.some((c) => c.id === id))) {
		throw new AppError('validation_failed', { fields: { expectedCategoryIds: 'invalid_choice' } });
	}
	const id = newId();
	await db.transaction().execute(async (trx) => {
		await trx
			.insertInto('tables')
			.values({ id, programme_id: programme.id, name: data.name, territory: data.territory, description: data.description })
			.execute();
		if (expected.length > 0) {
			await trx
				.insertInto('table_expected_categories')
				.values(expected.map((categoryId) => ({ table_id: id, category_id: categoryId })))
				.execute();
		}
		// The creator coordinates the table they made, so it never starts without a coordinator.
		await trx.insertInto('memberships').values({ id: newId(), table_id: id, user_id: user.id, role: 'coordinator' }).execute();
	});
	return {
		id,
		programmeId: programme.id,
		programmeName: programme.name,
		name: data.name,
		territory: data.territory,
		description: data.description,
		role: 'coordinator',
		memberCount: 1,
		nextMeeting: null,
		liveMeetingId: null
	};
}

/** The tables the user belongs to; every table for an admin. */
export async function listTablesForUser(db: Db, user: SessionUser): Promise<TableSummary[]> {
	let query = db
		.selectFrom('tables')
		.innerJoin('programmes', 'programmes.id', 'tables.programme_id')
		.leftJoin('memberships as mine', (join) => join.onRef('mine.table_id', '=', 'tables.id').on('mine.user_id', '=', user.id))
		.select([
			'tables.id',
			'tables.programme_id',
			'programmes.name as programme_name',
			'tables.name',
			'tables.territory',
			'tables.description',
			'mine.role'
		])
		.select((eb) => [
			eb
				.selectFrom('memberships')
				.select(eb.fn.countAll<number>().as('n'))
				.whereRef('memberships.table_id', '=', 'tables.id')
				.as('member_count')
		])
		.orderBy('programmes.name')
		.orderBy('tables.name');
	if (!user.isAdmin) query = query.where('mine.user_id', 'is not', null);
	const rows = await query.execute();
	if (rows.length === 0) return [];

	const meetings = await db
		.selectFrom('meetings')
		.select(['id', 'table_id', 'title', 'starts_at', 'status'])
		.where(
			'table_id',
			'in',
			rows.map((r) => r.id)
		)
		.where((eb) => eb.or([eb('status', '=', 'live'), eb.and([eb('status', '=', 'planned'), eb('ends_at', '>', new Date())])]))
		.orderBy('starts_at')
		.execute();

	return rows.map((r) => {
		const own = meetings.filter((m) => m.table_id === r.id);
		const live = own.find((m) => m.status === 'live');
		const next = own.find((m) => m.status === 'planned');
		return {
			id: r.id,
			programmeId: r.programme_id,
			programmeName: r.programme_name,
			name: r.name,
			territory: r.territory,
			description: r.description,
			role: r.role ?? null,
			memberCount: Number(r.member_count ?? 0),
			nextMeeting: next ? { id: next.id, title: next.title, startsAt: new Date(next.starts_at), status: next.status } : null,
			liveMeetingId: live?.id ?? null
		};
	});
}

export async function getTable(db: Db, user: SessionUser, tableId: string): Promise<TableDetail> {
	const actor = await authorizeOnTable(db, user, tableId, 'table.view');
	const table = await db
		.selectFrom('tables')
		.innerJoin('programmes', 'programmes.id', 'tables.programme_id')
		.select([
			'tables.id',
			'tables.programme_id',
			'programmes.name as programme_name',
			'tables.name',
			'tables.territory',
			'tables.description'
		])
		.where('tables.id', '=', tableId)
		.executeTakeFirstOrThrow();
	const [categories, expected, members] = await Promise.all([
		listCategories(db, table.programme_id),
		db.selectFrom('table_expected_categories').select('category_id').where('table_id', '=', tableId).execute(),
		listMembers(db, tableId, { withEmails: can(actor, 'member.contact') })
	]);
	return {
		id: table.id,
		programmeId: table.programme_id,
		programmeName: table.programme_name,
		name: table.name,
		territory: table.territory,
		description: table.description,
		role: actor.role,
		categories,
		expectedCategoryIds: expected.map((e) => e.category_id),
		members
	};
}

/** The table's members; their e-mail addresses only `withEmails` (see `member.contact`). */
export async function listMembers(db: Db, tableId: string, options: { withEmails: boolean } = { withEmails: false }): Promise<Member[]> {
	const rows = await db
		.selectFrom('memberships')
		.innerJoin('users', 'users.id', 'memberships.user_id')
		.select([
			'memberships.id',
			'memberships.user_id',
			'users.name',
			'users.email',
			'memberships.role',
			'memberships.category_id',
			'memberships.represented_body',
			'memberships.created_at'
		])
		.where('memberships.table_id', '=', tableId)
		.orderBy('users.name')
		.execute();
	return rows.map((r) => ({
		membershipId: r.id,
		userId: r.user_id,
		name: r.name,
		...(options.withEmails ? { email: r.email } : {}),
		role: r.role,
		categoryId: r.category_id,
		representedBody: r.represented_body,
		joinedAt: new Date(r.created_at)
	}));
}

export const tableUpdateInput = z.object({
	name: fields.tableName,
	territory: fields.territory,
	description: fields.description,
	expectedCategoryIds: z.array(fields.id).max(50).default([])
});

export async function updateTable(db: Db, user: SessionUser, tableId: string, input: unknown): Promise<void> {
	await authorizeOnTable(db, user, tableId, 'table.update');
	const data = parseInput(tableUpdateInput, input);
	const table = await db.selectFrom('tables').select('programme_id').where('id', '=', tableId).executeTakeFirstOrThrow();
	const categories = await listCategories(db, table.programme_id);
	if (data.expectedCategoryIds.some((id) => !categories.some((c) => c.id === id))) {
		throw new AppError('validation_failed', { fields: { expectedCategoryIds: 'invalid_choice' } });
	}
	await db.transaction().execute(async (trx) => {
		await trx
			.updateTable('tables')
			.set({ name: data.name, territory: data.territory, description: data.description })
			.where('id', '=', tableId)
			.execute();
		await trx.deleteFrom('table_expected_categories').where('table_id', '=', tableId).execute();
		if (data.expectedCategoryIds.length > 0) {
			await trx
				.insertInto('table_expected_categories')
				.values(data.expectedCategoryIds.map((categoryId) => ({ table_id: tableId, category_id: categoryId })))
				.execute();
		}
	});
}

export const memberUpdateInput = z.object({
	role: z.enum(tableRoles),
	categoryId: z
		.string()
		.trim()
		.max(64)
		.transform((v) => (v === '' ? null : v))
		.nullable()
		.default(null),
	representedBody: z.string().trim().max(textLimits.representedBody).default('')
});

/** What changing a membership needs: the database, and the events that re-decide live connections. */
export interface MemberDeps {
	db: Db;
	membershipChanges: MembershipChanges;
}

/** A member of the table, with the name the audit log records. */
async function findMember(db: Db, tableId: string, membershipId: string) {
	const member = await db
		.selectFrom('memberships')
		.innerJoin('users', 'users.id', 'memberships.user_id')
		.select(['memberships.id', 'memberships.user_id', 'memberships.role', 'users.name'])
		.where('memberships.id', '=', membershipId)
		.where('memberships.table_id', '=', tableId)
		.executeTakeFirst();
	if (!member) throw new AppError('not_found');
	return member;
}

/**
 * Changes a member's role, category or body. Refuses to leave a table without a coordinator.
 * Recorded in the audit log with the change; once committed, the member's live connections
 * (meeting rooms, /yjs) are re-decided.
 */
export async function updateMember(
	deps: MemberDeps,
	user: SessionUser,
	tableId: string,
	membershipId: string,
	input: unknown
): Promise<void> {
	await authorizeOnTable(deps.db, user, tableId, 'member.manage');
	const data = parseInput(memberUpdateInput, input);
	const change = await deps.db.transaction().execute(async (trx): Promise<MembershipChange> => {
		const member = await findMember(trx, tableId, membershipId);
		if (data.categoryId) await assertCategoryOfTable(trx, tableId, data.categoryId);
		if (member.role === 'coordinator' && data.role !== 'coordinator') await assertAnotherCoordinator(trx, tableId, member.id);
		await trx
			.updateTable('memberships')
			.set({ role: data.role, category_id: data.categoryId, represented_body: data.representedBody })
			.where('id', '=', member.id)
			.execute();
		await recordAudit(trx, {
			tableId,
			actor: user,
			action: 'member.update',
			subjectId: member.user_id,
			subjectLabel: member.name,
			details: { role: data.role }
		});
		return { userId: member.user_id, tableId, role: data.role };
	});
	deps.membershipChanges.emit(change);
}

/**
 * Removes a member from the table (never its last coordinator). Recorded in the audit log with
 * the removal; once committed, the member's live connections are closed.
 */
export async function removeMember(deps: MemberDeps, user: SessionUser, tableId: string, membershipId: string): Promise<void> {
	await authorizeOnTable(deps.db, user, tableId, 'member.manage');
	const change = await deps.db.transaction().execute(async (trx): Promise<MembershipChange> => {
		const member = await findMember(trx, tableId, membershipId);
		if (member.role === 'coordinator') await assertAnotherCoordinator(trx, tableId, member.id);
		await trx.deleteFrom('memberships').where('id', '=', member.id).execute();
		await recordAudit(trx, { tableId, actor: user, action: 'member.remove', subjectId: member.user_id, subjectLabel: member.name });
		return { userId: member.user_id, tableId, role: null };
	});
	deps.membershipChanges.emit(change);
}

async function assertAnotherCoordinator(db: Db, tableId: string, exceptMembershipId: string): Promise<void> {
	const other = await db
		.selectFrom('memberships')
		.select('id')
		.where('table_id', '=', tableId)
		.where('role', '=', 'coordinator')
		.where('id', '!=', exceptMembershipId)
		.executeTakeFirst();
	if (!other) throw new AppError('validation_failed', { fields: { role: 'last_coordinator' } });
}

export async function assertCategoryOfTable(db: Db, tableId: string, categoryId: string): Promise<void> {
	const found = await db
		.selectFrom('stakeholder_categories')
		.innerJoin('tables', 'tables.programme_id', 'stakeholder_categories.programme_id')
		.select('stakeholder_categories.id')
		.where('tables.id', '=', tableId)
		.where('stakeholder_categories.id', '=', categoryId)
		.executeTakeFirst();
	if (!found) throw new AppError('validation_failed', { fields: { categoryId: 'invalid_choice' } });
}

export async function coordinatesAnyTable(db: Db, userId: string): Promise<boolean> {
	const row = await db
		.selectFrom('memberships')
		.select('id')
		.where('user_id', '=', userId)
		.where('role', '=', 'coordinator')
		.executeTakeFirst();
	return Boolean(row);
}
