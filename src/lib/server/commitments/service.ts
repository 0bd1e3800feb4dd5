import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { CommitmentsTable } from '../db/schema.ts';
import type { Selectable } from 'kysely';
import type { SessionUser } from '../auth/sessions.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { accessMeeting, actorOnTable, authorizeOnTable, mayMarkCommitment } from '../authz/access.ts';
import { can } from '../authz/policy.ts';
import { refuseIfClosed } from '../meetings/status-guard.ts';
import { fields, parseInput } from '../validation.ts';
import { recordAudit } from '../audit/service.ts';
import type { MeetingBroadcaster } from '../live/broadcaster.ts';
import {
	commitmentLimits,
	commitmentStatuses,
	isCalendarDay,
	pendingCommitmentStatuses,
	type CommitmentOwner,
	type CommitmentStatus
} from '../../domain/commitments.ts';
import { romeWallClock } from '../../meetings/rome-time.ts';

/**
 * Issue 15, item 5: "who does what by when". A facilitator records one from the live room (from an
 * agenda item or a decision); its owner is a member or a represented body; the owner, or a
 * coordinator, marks its progress. Open ones are listed on the table page, reminded by e-mail
 * before they fall due (reminders.ts), checked on the next agenda (agenda.ts) and in the minutes.
 */

export interface CommitmentsDeps {
	db: Db;
	/** Tells the table's open pages; absent in scripts. */
	broadcaster?: Pick<MeetingBroadcaster, 'toTable'>;
	/** TAVOLO_COMMITMENTS_PER_MEETING. */
	perMeeting: number;
}

export interface Commitment {
	id: string;
	tableId: string;
	meetingId: string;
	meetingTitle: string;
	title: string;
	/** The agenda item or the poll (a decision) it was recorded from, if any. */
	agendaItemId: string | null;
	pollId: string | null;
	/** A member (`userId`, with the name and body they have now) or a represented body alone. */
	owner: CommitmentOwner;
	/** `YYYY-MM-DD`, a day in Europe/Rome. */
	dueOn: string;
	status: CommitmentStatus;
	note: string;
	createdAt: Date;
	updatedAt: Date;
	/** The later meeting whose agenda checked it ("Verifica degli impegni"), if any. */
	reviewedInMeetingId: string | null;
}

const dueOn = z
	.string()
	.trim()
	.refine(isCalendarDay, { params: { problem: 'invalid_date' } });

export const commitmentInput = z
	.object({
		title: z.string().trim().min(1).max(commitmentLimits.title),
		ownerUserId: fields.id.optional(),
		ownerBody: z
			.string()
			.trim()
			.max(commitmentLimits.ownerBody)
			.transform((v) => (v === '' ? undefined : v))
			.optional(),
		dueOn,
		agendaItemId: fields.id.optional(),
		pollId: fields.id.optional()
	})
	.superRefine((c, ctx) => {
		// One owner: a member, or a body (a school, a municipality) when no one person answers for it.
		if ((c.ownerUserId === undefined) === (c.ownerBody === undefined)) {
			ctx.addIssue({ code: 'custom', path: ['ownerUserId'], params: { problem: c.ownerUserId ? 'invalid_choice' : 'required' } });
		}
	});

export const commitmentUpdateInput = z.object({
	status: z.enum(commitmentStatuses),
	note: z.string().trim().max(commitmentLimits.note).optional()
});

/** Today in Europe/Rome, `YYYY-MM-DD`. */
export const romeToday = (now = new Date()) => romeWallClock(now).date;

type CommitmentRow = Selectable<CommitmentsTable> & {
	meeting_title: string;
	owner_name: string | null;
	owner_member_body: string | null;
};

function baseQuery(db: Db) {
	return db
		.selectFrom('commitments')
		.innerJoin('meetings', 'meetings.id', 'commitments.meeting_id')
		.leftJoin('users', 'users.id', 'commitments.owner_user_id')
		.leftJoin('memberships', (join) =>
			join.onRef('memberships.table_id', '=', 'commitments.table_id').onRef('memberships.user_id', '=', 'commitments.owner_user_id')
		)
		.selectAll('commitments')
		.select(['meetings.title as meeting_title', 'users.name as owner_name', 'memberships.represented_body as owner_member_body']);
}

function toCommitment(row: CommitmentRow): Commitment {
	return {
		id: row.id,
		tableId: row.table_id,
		meetingId: row.meeting_id,
		meetingTitle: row.meeting_title,
		title: row.title,
		agendaItemId: row.agenda_item_id,
		pollId: row.poll_id,
		owner: { userId: row.owner_user_id, name: row.owner_name ?? '', body: row.owner_body ?? row.owner_member_body ?? '' },
		dueOn: row.due_on,
		status: row.status,
		note: row.note,
		createdAt: new Date(row.created_at),
		updatedAt: new Date(row.updated_at),
		reviewedInMeetingId: row.reviewed_in_meeting_id
	};
}

/**
 * `POST /api/v1/meetings/:id/commitments` (facilitators, `commitment.record`), while the meeting is
 * not closed. The owner must be a member of the table; the poll, if named, one of this meeting.
 */
export async function recordCommitment(deps: CommitmentsDeps, user: SessionUser, meetingId: string, input: unknown): Promise<Commitment> {
	const { db } = deps;
	const { meeting } = await accessMeeting(db, user, meetingId, 'commitment.record');
	refuseIfClosed(meeting);
	const data = parseInput(commitmentInput, input);
	if (data.dueOn < romeToday()) throw new AppError('validation_failed', { fields: { dueOn: 'invalid_date' } });
	if (data.ownerUserId) {
		const member = await db
			.selectFrom('memberships')
			.select('id')
			.where('table_id', '=', meeting.table_id)
			.where('user_id', '=', data.ownerUserId)
			.executeTakeFirst();
		if (!member) throw new AppError('validation_failed', { fields: { ownerUserId: 'invalid_choice' } });
	}
	if (data.pollId) {
		const poll = await db.selectFrom('polls').select('meeting_id').where('id', '=', data.pollId).executeTakeFirst();
		if (poll?.meeting_id !== meetingId) throw new AppError('validation_failed', { fields: { pollId: 'invalid_choice' } });
	}
	const id = newId();
	await db.transaction().execute(async (trx) => {
		// Counted under the meeting's lock: two moderators at the limit cannot both pass it.
		await trx.selectFrom('meetings').select('id').where('id', '=', meetingId).forUpdate().executeTakeFirstOrThrow();
		const { n } = await trx
			.selectFrom('commitments')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('meeting_id', '=', meetingId)
			.executeTakeFirstOrThrow();
		if (Number(n) >= deps.perMeeting) throw new AppError('commitments_limit', { max: deps.perMeeting });
		await trx
			.insertInto('commitments')
			.values({
				id,
				table_id: meeting.table_id,
				meeting_id: meetingId,
				title: data.title,
				agenda_item_id: data.agendaItemId ?? null,
				poll_id: data.pollId ?? null,
				owner_user_id: data.ownerUserId ?? null,
				owner_body: data.ownerBody ?? null,
				due_on: data.dueOn,
				created_by: user.id,
				updated_by: user.id
			})
			.execute();
		await recordAudit(trx, {
			tableId: meeting.table_id,
			actor: user,
			action: 'commitment.create',
			subjectId: id,
			subjectLabel: data.title,
			details: { meetingId, dueOn: data.dueOn, ownerUserId: data.ownerUserId ?? null, ownerBody: data.ownerBody ?? null }
		});
	});
	deps.broadcaster?.toTable(meeting.table_id, 'commitment:changed', { tableId: meeting.table_id, commitmentId: id, change: 'recorded' });
	return findCommitment(db, id);
}

async function findCommitment(db: Db, id: string): Promise<Commitment> {
	const row = await baseQuery(db).where('commitments.id', '=', id).executeTakeFirst();
	if (!row) throw new AppError('not_found');
	return toCommitment(row);
}

export const commitmentListQuery = z.object({
	/** `pending`: open and in progress only. */
	status: z.enum(['pending', 'all']).catch('all'),
	meetingId: fields.id.optional().catch(undefined)
});

/** `GET /api/v1/tables/:id/commitments[?status=pending][&meetingId=…]`: any member, by due date. */
export async function listCommitments(
	db: Db,
	user: SessionUser,
	tableId: string,
	query: { status?: string; meetingId?: string } = {}
): Promise<Commitment[]> {
	await authorizeOnTable(db, user, tableId, 'table.view');
	const { status, meetingId } = commitmentListQuery.parse(query);
	let rows = baseQuery(db).where('commitments.table_id', '=', tableId);
	if (status === 'pending') rows = rows.where('commitments.status', 'in', pendingCommitmentStatuses);
	if (meetingId) rows = rows.where('commitments.meeting_id', '=', meetingId);
	return (await rows.orderBy('commitments.due_on').orderBy('commitments.created_at').execute()).map(toCommitment);
}

/**
 * `PATCH /api/v1/commitments/:id {status, note?}`: the owner (a member who writes) or a
 * coordinator marks progress; anyone else is refused and nothing changes.
 */
export async function updateCommitment(
	deps: Omit<CommitmentsDeps, 'perMeeting'>,
	user: SessionUser,
	id: string,
	input: unknown
): Promise<Commitment> {
	const { db } = deps;
	const row = await db.selectFrom('commitments').select(['table_id', 'owner_user_id', 'title']).where('id', '=', id).executeTakeFirst();
	if (!row) throw new AppError('not_found');
	const actor = await actorOnTable(db, user, row.table_id);
	if (!can(actor, 'table.view')) throw new AppError('forbidden');
	if (!mayMarkCommitment(actor, user, row.owner_user_id)) throw new AppError('forbidden');
	const data = parseInput(commitmentUpdateInput, input);
	await db.transaction().execute(async (trx) => {
		await trx
			.updateTable('commitments')
			.set({ status: data.status, ...(data.note !== undefined ? { note: data.note } : {}), updated_at: new Date(), updated_by: user.id })
			.where('id', '=', id)
			.execute();
		await recordAudit(trx, {
			tableId: row.table_id,
			actor: user,
			action: 'commitment.update',
			subjectId: id,
			subjectLabel: row.title,
			details: { status: data.status, note: data.note ?? null }
		});
	});
	deps.broadcaster?.toTable(row.table_id, 'commitment:changed', { tableId: row.table_id, commitmentId: id, change: 'updated' });
	return findCommitment(db, id);
}

/** The pending commitments of a table, by due date (the next agenda, the table page). */
export async function findPendingCommitments(db: Db, tableId: string): Promise<Commitment[]> {
	const rows = await baseQuery(db)
		.where('commitments.table_id', '=', tableId)
		.where('commitments.status', 'in', pendingCommitmentStatuses)
		.orderBy('commitments.due_on')
		.orderBy('commitments.created_at')
		.execute();
	return rows.map(toCommitment);
}

/** For the minutes: recorded in this meeting, and checked on its agenda. */
export async function findMeetingCommitments(db: Db, meetingId: string): Promise<{ recorded: Commitment[]; reviewed: Commitment[] }> {
	const [recorded, reviewed] = await Promise.all([
		baseQuery(db).where('commitments.meeting_id', '=', meetingId).orderBy('commitments.created_at').execute(),
		baseQuery(db).where('commitments.reviewed_in_meeting_id', '=', meetingId).orderBy('commitments.due_on').execute()
	]);
	return { recorded: recorded.map(toCommitment), reviewed: reviewed.map(toCommitment) };
}

/** The app's database, table channel and limit, for routes and page actions. */
export function commitmentsDeps(context: {
	db: Db;
	broadcaster: Pick<MeetingBroadcaster, 'toTable'>;
	commitments: { perMeeting: number };
}): CommitmentsDeps {
	return { db: context.db, broadcaster: context.broadcaster, perMeeting: context.commitments.perMeeting };
}
