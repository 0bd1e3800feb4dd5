/**
 * "May this user do this to that table, meeting, poll or document?", answered from the role
 * table of policy.ts. Services ask here before they read or change anything; routes and socket
 * handlers call the services and never decide on their own.
 */
import type { Db } from '../db/connect.ts';
import type { MeetingRow, PollRow } from '../db/schema.ts';
import type { DocumentStatus } from '../../domain/documents.ts';
import { AppError } from '../errors.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { can, type Actor, type GlobalAction, type TableAction } from './policy.ts';
import { parseDocName, type DocRef } from '../../realtime/doc-names.ts';
import type { ReadOnlyReason } from '../../realtime/yjs-messages.ts';

/** The caller's standing on a table: what `can()` needs. Throws not_found for an unknown table. */
export async function actorOnTable(db: Db, user: SessionUser, tableId: string): Promise<Actor> {
	const table = await db
		.selectFrom('tables')
		.leftJoin('memberships', (join) => join.onRef('memberships.table_id', '=', 'tables.id').on('memberships.user_id', '=', user.id))
		.select(['tables.id', 'memberships.role'])
		.where('tables.id', '=', tableId)
		.executeTakeFirst();
	if (!table) throw new AppError('not_found');
	return { isAdmin: user.isAdmin, role: table.role ?? null };
}

/**
 * Throws unless the user may do `action` on the table. A non-member learns nothing about the
 * table (404 and 403 both answer "not yours"): here 403, since the id itself proves nothing.
 */
export async function authorizeOnTable(db: Db, user: SessionUser, tableId: string, action: TableAction): Promise<Actor> {
	const actor = await actorOnTable(db, user, tableId);
	if (!can(actor, action)) throw new AppError('forbidden');
	return actor;
}

export function authorizeGlobal(user: SessionUser, action: GlobalAction): void {
	if (!can({ isAdmin: user.isAdmin, role: null }, action)) throw new AppError('forbidden');
}

/** Runs the meeting: moves its agenda, timer, speakers, and sees results not yet public. */
export function facilitatesMeeting(actor: Actor): boolean {
	return can(actor, 'meeting.run');
}

export interface MeetingAccess {
	meeting: MeetingRow;
	actor: Actor;
	facilitator: boolean;
	/** The caller's membership of the meeting's table (null for an admin who is not a member). */
	member: { role: NonNullable<Actor['role']>; categoryId: string | null; representedBody: string } | null;
}

/**
 * The meeting and the caller's standing, in one query; refuses non-members like the rest of the
 * app, and anyone who may not do `action`. (The table exists: meetings.table_id is a foreign key.)
 */
export async function accessMeeting(
	db: Db,
	user: SessionUser,
	meetingId: string,
	action: TableAction = 'meeting.view'
): Promise<MeetingAccess> {
	const row = await db
		.selectFrom('meetings')
		.leftJoin('memberships', (join) => join.onRef('memberships.table_id', '=', 'meetings.table_id').on('memberships.user_id', '=', user.id))
		.selectAll('meetings')
		.select([
			'memberships.role as member_role',
			'memberships.category_id as member_category_id',
			'memberships.represented_body as member_represented_body'
		])
		.where('meetings.id', '=', meetingId)
		.executeTakeFirst();
	if (!row) throw new AppError('not_found');
	const { member_role: role, member_category_id: categoryId, member_represented_body: representedBody, ...meeting } = row;
	const actor: Actor = { isAdmin: user.isAdmin, role: role ?? null };
	if (!can(actor, 'meeting.view') || !can(actor, action)) throw new AppError('forbidden');
	const member = role ? { role, categoryId: categoryId ?? null, representedBody: representedBody ?? '' } : null;
	return { meeting, actor, facilitator: facilitatesMeeting(actor), member };
}

/** Where a poll sits, and what the caller may do there. */
export interface PollAccess {
	poll: PollRow;
	tableId: string;
	actor: Actor;
	/** May manage the poll (open, close, reveal) and see its results before they are public. */
	facilitator: boolean;
}

/** The poll and the caller's standing on its meeting's table; refuses anyone who may not do `action`. */
export async function accessPoll(db: Db, user: SessionUser, pollId: string, action: TableAction = 'meeting.view'): Promise<PollAccess> {
	const row = await db
		.selectFrom('polls')
		.innerJoin('meetings', 'meetings.id', 'polls.meeting_id')
		.selectAll('polls')
		.select('meetings.table_id')
		.where('polls.id', '=', pollId)
		.executeTakeFirst();
	if (!row) throw new AppError('not_found');
	const { table_id: tableId, ...poll } = row;
	const actor = await actorOnTable(db, user, tableId);
	if (!can(actor, 'meeting.view') || !can(actor, action)) throw new AppError('forbidden');
	return { poll, tableId, actor, facilitator: can(actor, 'poll.manage') };
}

/** What a user may do with one Yjs document (`agenda:<meetingId>` / `document:<documentId>`). */
export type DocAccess =
	| {
			ok: true;
			ref: DocRef;
			tableId: string;
			/** null for an agenda. */
			documentStatus: DocumentStatus | null;
			readOnly: boolean;
			reason: ReadOnlyReason;
	  }
	| { ok: false; status: 403 | 404; reason: 'not_found' | 'forbidden' };

export type AccessDecision = { allowed: false } | { allowed: true; readOnly: boolean; reason: ReadOnlyReason };

/**
 * The role table applied to a Yjs document: viewing needs meeting.view or document.view, writing
 * needs agenda.edit or document.edit, and nobody writes a final document. Pure, so live
 * connections can be re-decided when a membership changes.
 */
export function decideDocAccess(actor: Actor, ref: DocRef, documentStatus: DocumentStatus | null): AccessDecision {
	const [view, edit] = ref.kind === 'agenda' ? (['meeting.view', 'agenda.edit'] as const) : (['document.view', 'document.edit'] as const);
	if (!can(actor, view)) return { allowed: false };
	if (!can(actor, edit)) return { allowed: true, readOnly: true, reason: 'observer' };
	if (ref.kind === 'document' && documentStatus === 'final') return { allowed: true, readOnly: true, reason: 'final' };
	return { allowed: true, readOnly: false, reason: '' };
}

/**
 * Resolves a doc name to its table and the user's access. A malformed name and an unknown
 * meeting or document are both 404; a table the user does not belong to is 403.
 */
export async function resolveDocAccess(db: Db, user: SessionUser, docName: string): Promise<DocAccess> {
	const ref = parseDocName(docName);
	if (!ref) return { ok: false, status: 404, reason: 'not_found' };

	let tableId: string;
	let documentStatus: DocumentStatus | null = null;
	if (ref.kind === 'agenda') {
		const meeting = await db.selectFrom('meetings').select('table_id').where('id', '=', ref.meetingId).executeTakeFirst();
		if (!meeting) return { ok: false, status: 404, reason: 'not_found' };
		tableId = meeting.table_id;
	} else {
		const document = await db.selectFrom('documents').select(['table_id', 'status']).where('id', '=', ref.documentId).executeTakeFirst();
		if (!document) return { ok: false, status: 404, reason: 'not_found' };
		tableId = document.table_id;
		documentStatus = document.status;
	}

	const actor = await actorOnTable(db, user, tableId);
	const decision = decideDocAccess(actor, ref, documentStatus);
	if (!decision.allowed) return { ok: false, status: 403, reason: 'forbidden' };
	return { ok: true, ref, tableId, documentStatus, readOnly: decision.readOnly, reason: decision.reason };
}
