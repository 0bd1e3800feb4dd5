/**
 * "May this user do this to that table, meeting, poll or document?", answered from the role
 * table of policy.ts. Services ask here before they read or change anything; routes and socket
 * handlers call the services and never decide on their own.
 */
import type { Db } from '../db/connect.ts';
import type { MeetingRow, PollRow } from '../db/schema.ts';
import type { DocumentStatus } from '../../domain/documents.ts';
import type { MeetingStatus } from '../../domain/meetings.ts';
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
			/** The meeting's status for an agenda (null for a document): while it is live, only those who may reshape add, remove or move items. */
			meetingStatus: MeetingStatus | null;
			readOnly: boolean;
			reason: ReadOnlyReason;
			/** May shrink the document when it is over the size limit (server/yjs/update-gate.ts). */
			mayRecover: boolean;
			/** May add, remove and move agenda items while the meeting is live (a moderator, a coordinator, an admin). */
			mayReshape: boolean;
	  }
	| { ok: false; status: 403 | 404; reason: 'not_found' | 'forbidden' };

export type AccessDecision =
	{ allowed: false } | { allowed: true; readOnly: boolean; reason: ReadOnlyReason; mayRecover: boolean; mayReshape: boolean };

/**
 * The role table applied to a Yjs document: viewing needs meeting.view or document.view, writing
 * needs agenda.edit or document.edit, and nobody writes a final document. Pure, so live
 * connections can be re-decided when a membership changes.
 */
export function decideDocAccess(
	actor: Actor,
	ref: DocRef,
	documentStatus: DocumentStatus | null,
	meetingStatus: MeetingStatus | null = null
): AccessDecision {
	const [view, edit] = ref.kind === 'agenda' ? (['meeting.view', 'agenda.edit'] as const) : (['document.view', 'document.edit'] as const);
	if (!can(actor, view)) return { allowed: false };
	if (!can(actor, edit)) return { allowed: true, readOnly: true, reason: 'observer', mayRecover: false, mayReshape: false };
	if (ref.kind === 'document' && documentStatus === 'final') {
		return { allowed: true, readOnly: true, reason: 'final', mayRecover: false, mayReshape: false };
	}
	// Once the meeting has ended (closed, or cancelled) its minutes were drafted from the agenda: it
	// is a record, which only those who ran the meeting may still correct.
	if (ref.kind === 'agenda' && (meetingStatus === 'closed' || meetingStatus === 'cancelled') && !can(actor, 'meeting.run')) {
		return { allowed: true, readOnly: true, reason: 'closed', mayRecover: false, mayReshape: false };
	}
	// Those who finalize documents (coordinators, admins) may clear an over-limit one, of either kind.
	// Those who run the meeting shape its agenda while it is live; the others then edit the texts only.
	return { allowed: true, readOnly: false, reason: '', mayRecover: can(actor, 'document.review'), mayReshape: can(actor, 'meeting.run') };
}

/** What a Yjs document belongs to: its table, and the status that decides who may write it. */
export interface DocTarget {
	ref: DocRef;
	tableId: string;
	/** null for an agenda. */
	documentStatus: DocumentStatus | null;
	/** The meeting's status for an agenda (null for a document). */
	meetingStatus: MeetingStatus | null;
}

/** The table and status behind a doc name; null for a malformed name or an unknown meeting or document. */
export async function findDocTarget(db: Db, docName: string): Promise<DocTarget | null> {
	const ref = parseDocName(docName);
	if (!ref) return null;
	if (ref.kind === 'agenda') {
		const meeting = await db.selectFrom('meetings').select(['table_id', 'status']).where('id', '=', ref.meetingId).executeTakeFirst();
		return meeting ? { ref, tableId: meeting.table_id, documentStatus: null, meetingStatus: meeting.status } : null;
	}
	const document = await db.selectFrom('documents').select(['table_id', 'status']).where('id', '=', ref.documentId).executeTakeFirst();
	return document ? { ref, tableId: document.table_id, documentStatus: document.status, meetingStatus: null } : null;
}

/**
 * Resolves a doc name to its table and the user's access. A malformed name and an unknown
 * meeting or document are both 404; a table the user does not belong to is 403.
 */
export async function resolveDocAccess(db: Db, user: SessionUser, docName: string): Promise<DocAccess> {
	const target = await findDocTarget(db, docName);
	if (!target) return { ok: false, status: 404, reason: 'not_found' };
	const actor = await actorOnTable(db, user, target.tableId);
	const decision = decideDocAccess(actor, target.ref, target.documentStatus, target.meetingStatus);
	if (!decision.allowed) return { ok: false, status: 403, reason: 'forbidden' };
	return {
		ok: true,
		...target,
		readOnly: decision.readOnly,
		reason: decision.reason,
		mayRecover: decision.mayRecover,
		mayReshape: decision.mayReshape
	};
}

/**
 * Who marks a commitment's progress: whoever has `commitment.review` on its table, or its owner
 * while a member who writes (observers write nothing, not even on what they were given to do).
 */
export function mayMarkCommitment(actor: Actor, user: SessionUser, ownerUserId: string | null): boolean {
	if (can(actor, 'commitment.review')) return true;
	return ownerUserId !== null && ownerUserId === user.id && actor.role !== null && actor.role !== 'observer';
}
