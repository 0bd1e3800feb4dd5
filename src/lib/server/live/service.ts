import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { MeetingRow } from '../db/schema.ts';
import { AppError, isAppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import type { TableAction } from '../authz/policy.ts';
import { accessMeeting } from '../authz/access.ts';
import { fields, parseInput } from '../validation.ts';
import { closePoll, listPollSnapshots } from '../polls/service.ts';
import { readOwnBallots } from '../polls/ballots.ts';
import type { LiveState, SpeakerEntry, TimerState } from '../../realtime/protocol.ts';
import { meetingStatuses, type MeetingStatus } from '../../domain/meetings.ts';
import type { LiveDeps } from './deps.ts';
import { agendaDocName } from '../../realtime/doc-names.ts';
import { draftMinutesOnClose } from '../minutes/service.ts';
import { endOpenStays } from './attendance.ts';
import { documentDocName } from '../../realtime/doc-names.ts';
import { refuseIfClosed } from '../meetings/status-guard.ts';

import { endOpenCheckIns } from './check-ins.ts';
import { endFocus, recordFocus } from './focus-history.ts';
import { readPresence } from './presence.ts';

/** Taking part (voting, asking to speak) is one right: observers have neither. */
const speakAction: TableAction = 'poll.vote';

/** The longest a timer may be set or extended to (a whole meeting day). */
const maxTimerMs = 12 * 60 * 60 * 1000;

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/**
 * The meeting's live state as one viewer sees it. Times come from the database's clock, the one
 * clock every node shares; `serverTime` lets a client correct its own. With `viewer` (a state sent
 * to that member alone), each poll carries the member's `myBallot` and `hasVoted`.
 */
export async function readLiveState(deps: LiveDeps, meeting: MeetingRow, facilitator: boolean, viewer?: SessionUser): Promise<LiveState> {
	const { db } = deps;
	const [live, timers, speakers, spoken, now, polls, present] = await Promise.all([
		db
			.selectFrom('meeting_live')
			.leftJoin('documents', 'documents.id', 'meeting_live.focus_document_id')
			.leftJoin('attachments', 'attachments.id', 'meeting_live.focus_attachment_id')
			.select(['meeting_live.focus_item_id', 'documents.id as document_id', 'documents.title', 'documents.kind', 'documents.status'])
			.select([
				'attachments.id as attachment_id',
				'attachments.title as attachment_title',
				'attachments.filename as attachment_filename',
				'meeting_live.focus_attachment_page'
			])
			.where('meeting_live.meeting_id', '=', meeting.id)
			.executeTakeFirst(),
		db.selectFrom('meeting_timers').selectAll().where('meeting_id', '=', meeting.id).orderBy('item_id').execute(),
		db
			.selectFrom('meeting_speakers')
			.innerJoin('users', 'users.id', 'meeting_speakers.user_id')
			.select([
				'meeting_speakers.id',
				'meeting_speakers.user_id',
				'users.name',
				'meeting_speakers.status',
				'meeting_speakers.raised_at',
				'meeting_speakers.started_at'
			])
			.where('meeting_speakers.meeting_id', '=', meeting.id)
			.where('meeting_speakers.status', 'in', ['waiting', 'speaking'])
			.orderBy(sql`case when meeting_speakers.status = 'speaking' then 0 else 1 end`)
			.orderBy('meeting_speakers.position')
			.execute(),
		db
			.selectFrom('meeting_speakers')
			.select(['user_id', sql<number>`coalesce(sum(extract(epoch from (ended_at - started_at)) * 1000), 0)::int`.as('ms')])
			.where('meeting_id', '=', meeting.id)
			.where('status', '=', 'done')
			.where('started_at', 'is not', null)
			.groupBy('user_id')
			.execute(),
		sql<{ now: Date }>`select now() as now`.execute(db),
		listPollSnapshots(db, meeting.id, facilitator),
		readPresence(deps, meeting.id)
	]);
	const spokenBy = new Map(spoken.map((s) => [s.user_id, Number(s.ms)]));
	if (viewer) {
		const own = await readOwnBallots(
			db,
			deps.votes.keys,
			viewer.id,
			polls.map((p) => p.poll)
		);
		for (const snapshot of polls) Object.assign(snapshot, own.get(snapshot.poll.id) ?? { myBallot: null, hasVoted: false });
	}
	return {
		meetingId: meeting.id,
		tableId: meeting.table_id,
		title: meeting.title,
		status: meeting.status,
		focusItemId: live?.focus_item_id ?? null,
		focusDocument:
			live?.document_id && live.title !== null && live.kind && live.status
				? { id: live.document_id, title: live.title, kind: live.kind, status: live.status, docName: documentDocName(live.document_id) }
				: null,
		focusAttachment:
			live?.attachment_id && live.attachment_title !== null && live.attachment_filename !== null
				? { id: live.attachment_id, title: live.attachment_title, filename: live.attachment_filename, page: live.focus_attachment_page }
				: null,
		timers: timers.map((t): TimerState => ({
			itemId: t.item_id,
			durationMs: t.duration_ms,
			elapsedMs: t.elapsed_ms,
			runningSince: iso(t.running_since)
		})),
		speakers: speakers.map((s): SpeakerEntry => ({
			id: s.id,
			userId: s.user_id,
			name: s.name,
			status: s.status as SpeakerEntry['status'],
			raisedAt: iso(s.raised_at)!,
			startedAt: iso(s.started_at),
			spokenMs: spokenBy.get(s.user_id) ?? 0
		})),
		polls,
		present: present.present,
		eligiblePresent: present.eligiblePresent,
		presenceVersion: present.version,
		serverTime: new Date(now.rows[0].now).toISOString()
	};
}

export async function getLiveState(deps: LiveDeps, user: SessionUser, meetingId: string): Promise<LiveState> {
	const { meeting, facilitator } = await accessMeeting(deps.db, user, meetingId);
	return readLiveState(deps, meeting, facilitator, user);
}

/** Broadcasts `meeting:state` (as members see it) after a change; coalesced per meeting. */
export function broadcastState(deps: LiveDeps, meetingId: string): void {
	const { broadcaster } = deps;
	broadcaster.coalesce(`meeting-state:${meetingId}`, async () => {
		const meeting = await deps.db.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirst();
		if (meeting) broadcaster.toMeeting(meetingId, 'meeting:state', await readLiveState(deps, meeting, false));
	});
}

const nextStatus: Record<MeetingStatus, MeetingStatus | null> = { planned: 'live', live: 'closed', closed: null, cancelled: null };

/** planned → live → closed, one step at a time, by a moderator or coordinator. */
export async function setMeetingStatus(deps: LiveDeps, user: SessionUser, meetingId: string, input: unknown): Promise<MeetingStatus> {
	const { status } = parseInput(z.object({ status: z.enum(meetingStatuses) }), input);
	const { meeting } = await accessMeeting(deps.db, user, meetingId, 'meeting.run');
	if (meeting.status === status) return status;
	// A cancelled meeting was called off for everyone: it never goes live (nor closes).
	if (meeting.status === 'cancelled') throw new AppError('meeting_cancelled');
	if (nextStatus[meeting.status] !== status) throw new AppError('meeting_invalid_transition');
	const updated = await deps.db
		.updateTable('meetings')
		.set({ status, ...(status === 'live' ? { started_at: sql`now()` } : {}), ...(status === 'closed' ? { closed_at: sql`now()` } : {}) })
		.where('id', '=', meetingId)
		.where('status', '=', meeting.status)
		.executeTakeFirst();
	if (Number(updated.numUpdatedRows) !== 1) throw new AppError('meeting_invalid_transition');
	// The agenda's open connections learn the status (on every node): while live, only those who
	// run the meeting add, remove or move its items (server/yjs/update-gate.ts).
	await deps.liveDocuments.documentStatusChanged(agendaDocName(meetingId));
	// Those already waiting in the room are present from now (on every node).
	if (status === 'live') deps.broadcaster.meetingStarted(meetingId);
	if (status === 'closed') {
		await endOpenStays(deps.db, meetingId);
		await endOpenCheckIns(deps.db, meetingId);
		await endFocus(deps.db, meetingId);
		// A vote does not outlive its meeting: open polls close with it (and say so to the room).
		const open = await deps.db.selectFrom('polls').select('id').where('meeting_id', '=', meetingId).where('status', '=', 'open').execute();
		for (const poll of open) {
			await closePoll(deps, user, poll.id).catch((error: unknown) => {
				if (!isAppError(error) || error.code !== 'poll_invalid_transition') throw error;
			});
		}
		await deps.db
			.updateTable('meeting_speakers')
			.set({ status: 'done', ended_at: sql`now()` })
			.where('meeting_id', '=', meetingId)
			.where('status', '=', 'speaking')
			.execute();
		// The queue ends with the meeting: hands still raised are lowered.
		await deps.db
			.updateTable('meeting_speakers')
			.set({ status: 'withdrawn', ended_at: sql`now()` })
			.where('meeting_id', '=', meetingId)
			.where('status', '=', 'waiting')
			.execute();
		await pauseRunningTimers(deps.db, meetingId);
		// Before the room hears "closed", so the page it reloads already links the minutes.
		await draftMinutesOnClose({ ...deps, live: deps.liveDocuments }, user, meetingId);
	}
	broadcastState(deps, meetingId);
	return status;
}

const itemId = fields.id;

export async function setFocus(deps: LiveDeps, user: SessionUser, meetingId: string, input: unknown): Promise<void> {
	const data = parseInput(z.object({ itemId: itemId.nullable() }), input);
	const { meeting } = await accessMeeting(deps.db, user, meetingId, 'meeting.run');
	refuseIfClosed(meeting);
	await deps.db.transaction().execute(async (trx) => {
		// Serialises focus changes of one meeting: one interval of the focus history stays open.
		await trx.selectFrom('meetings').select('id').where('id', '=', meetingId).forUpdate().execute();
		// Moving to another item takes the document of the last one off the centre.
		await trx
			.insertInto('meeting_live')
			.values({ meeting_id: meetingId, focus_item_id: data.itemId })
			.onConflict((oc) =>
				oc
					.column('meeting_id')
					.doUpdateSet({ focus_item_id: data.itemId, focus_document_id: null, focus_attachment_id: null, updated_at: sql`now()` })
			)
			.execute();
		await recordFocus(trx, meetingId, data.itemId);
	});
	broadcastState(deps, meetingId);
}

/**
 * Puts one of the table's documents in focus (or none): everyone in the room reads it in the
 * centre column. Only those who run the meeting, only while it is not closed, and only a
 * document of the meeting's own table (another table's is not found, whoever asks).
 */
export async function setFocusDocument(deps: LiveDeps, user: SessionUser, meetingId: string, input: unknown): Promise<void> {
	const { documentId } = parseInput(z.object({ documentId: fields.id.nullable() }), input);
	const { meeting } = await accessMeeting(deps.db, user, meetingId, 'meeting.run');
	refuseIfClosed(meeting);
	if (documentId !== null) {
		const document = await deps.db
			.selectFrom('documents')
			.select('id')
			.where('id', '=', documentId)
			.where('table_id', '=', meeting.table_id)
			.executeTakeFirst();
		if (!document) throw new AppError('not_found');
	}
	await deps.db
		.insertInto('meeting_live')
		.values({ meeting_id: meetingId, focus_item_id: null, focus_document_id: documentId })
		.onConflict((oc) =>
			oc
				.column('meeting_id')
				// One thing shown to the room at a time: a document takes the place of a PDF in focus.
				.doUpdateSet({ focus_document_id: documentId, ...(documentId ? { focus_attachment_id: null } : {}), updated_at: sql`now()` })
		)
		.execute();
	broadcastState(deps, meetingId);
}

/** elapsed + (now − running_since), in whole ms, on the database's clock. */
const elapsedNow = sql<number>`elapsed_ms + coalesce((extract(epoch from (now() - running_since)) * 1000)::int, 0)`;

async function pauseRunningTimers(db: Db, meetingId: string, itemIdOnly?: string): Promise<void> {
	let query = db
		.updateTable('meeting_timers')
		.set({ elapsed_ms: elapsedNow, running_since: null })
		.where('meeting_id', '=', meetingId)
		.where('running_since', 'is not', null);
	if (itemIdOnly) query = query.where('item_id', '=', itemIdOnly);
	await query.execute();
}

const timerCommand = z.discriminatedUnion('action', [
	z.object({ action: z.literal('start'), itemId, durationMs: z.number().int().min(1000).max(maxTimerMs).optional() }),
	z.object({ action: z.literal('pause'), itemId }),
	z.object({ action: z.literal('extend'), itemId, byMs: z.number().int().min(-maxTimerMs).max(maxTimerMs) }),
	z.object({ action: z.literal('reset'), itemId })
]);

/** One timer per agenda item; starting one pauses any other running timer of the meeting. */
export async function controlTimer(deps: LiveDeps, user: SessionUser, meetingId: string, input: unknown): Promise<void> {
	const command = parseInput(timerCommand, input);
	const { meeting } = await accessMeeting(deps.db, user, meetingId, 'meeting.run');
	refuseIfClosed(meeting);
	await deps.db.transaction().execute(async (trx) => {
		const existing = await trx
			.selectFrom('meeting_timers')
			.selectAll()
			.where('meeting_id', '=', meetingId)
			.where('item_id', '=', command.itemId)
			.forUpdate()
			.executeTakeFirst();
		switch (command.action) {
			case 'start': {
				const others = await trx
					.selectFrom('meeting_timers')
					.select('item_id')
					.where('meeting_id', '=', meetingId)
					.where('item_id', '!=', command.itemId)
					.where('running_since', 'is not', null)
					.execute();
				for (const other of others) await pauseRunningTimers(trx, meetingId, other.item_id);
				if (!existing) {
					if (command.durationMs === undefined) throw new AppError('validation_failed', { fields: { durationMs: 'required' } });
					await trx
						.insertInto('meeting_timers')
						.values({ meeting_id: meetingId, item_id: command.itemId, duration_ms: command.durationMs, running_since: sql`now()` })
						.execute();
				} else if (!existing.running_since) {
					await trx
						.updateTable('meeting_timers')
						.set({ running_since: sql`now()`, ...(command.durationMs !== undefined ? { duration_ms: command.durationMs } : {}) })
						.where('meeting_id', '=', meetingId)
						.where('item_id', '=', command.itemId)
						.execute();
				}
				return;
			}
			case 'pause':
				if (!existing) throw new AppError('not_found');
				await pauseRunningTimers(trx, meetingId, command.itemId);
				return;
			case 'extend':
				if (!existing) throw new AppError('not_found');
				await trx
					.updateTable('meeting_timers')
					.set({ duration_ms: Math.min(maxTimerMs, Math.max(0, existing.duration_ms + command.byMs)) })
					.where('meeting_id', '=', meetingId)
					.where('item_id', '=', command.itemId)
					.execute();
				return;
			case 'reset':
				if (!existing) throw new AppError('not_found');
				await trx
					.updateTable('meeting_timers')
					.set({ elapsed_ms: 0, running_since: null })
					.where('meeting_id', '=', meetingId)
					.where('item_id', '=', command.itemId)
					.execute();
				return;
		}
	});
	broadcastState(deps, meetingId);
}

const speakerCommand = z.discriminatedUnion('action', [
	z.object({ action: z.literal('raise') }),
	z.object({ action: z.literal('lower'), userId: fields.id.optional() }),
	z.object({ action: z.literal('give'), userId: fields.id }),
	z.object({ action: z.literal('end') }),
	z.object({ action: z.literal('remove'), userId: fields.id }),
	z.object({ action: z.literal('reorder'), userIds: z.array(fields.id).max(500) })
]);

/**
 * The speaker queue: members raise and lower their own hand; moderators give the floor, end a
 * turn, remove someone or reorder the queue. Unique indexes keep one open request per person
 * and one speaker at a time, even when two moderators click at once.
 */
export async function controlSpeakers(deps: LiveDeps, user: SessionUser, meetingId: string, input: unknown): Promise<void> {
	const command = parseInput(speakerCommand, input);
	const selfService = command.action === 'raise' || (command.action === 'lower' && (command.userId ?? user.id) === user.id);
	const { meeting } = await accessMeeting(deps.db, user, meetingId, selfService ? speakAction : 'meeting.run');
	refuseIfClosed(meeting);
	const done = { status: 'done' as const, ended_at: sql<Date>`now()` };
	await deps.db.transaction().execute(async (trx) => {
		// Serialises queue changes of one meeting (positions, the one speaker).
		await trx.selectFrom('meetings').select('id').where('id', '=', meetingId).forUpdate().execute();
		const open = trx
			.selectFrom('meeting_speakers')
			.selectAll()
			.where('meeting_id', '=', meetingId)
			.where('status', 'in', ['waiting', 'speaking']);
		switch (command.action) {
			case 'raise': {
				await trx
					.insertInto('meeting_speakers')
					.values({ id: newId(), meeting_id: meetingId, user_id: user.id, status: 'waiting', position: await nextPosition(trx, meetingId) })
					.onConflict((oc) => oc.doNothing())
					.execute();
				return;
			}
			case 'lower':
				await trx
					.updateTable('meeting_speakers')
					.set({ status: 'withdrawn', ended_at: sql`now()` })
					.where('meeting_id', '=', meetingId)
					.where('user_id', '=', command.userId ?? user.id)
					.where('status', '=', 'waiting')
					.execute();
				return;
			case 'give': {
				const member = await trx
					.selectFrom('memberships')
					.select('role')
					.where('table_id', '=', meeting.table_id)
					.where('user_id', '=', command.userId)
					.executeTakeFirst();
				if (!member) throw new AppError('not_found');
				await trx.updateTable('meeting_speakers').set(done).where('meeting_id', '=', meetingId).where('status', '=', 'speaking').execute();
				const waiting = await open.where('user_id', '=', command.userId).executeTakeFirst();
				if (waiting) {
					await trx
						.updateTable('meeting_speakers')
						.set({ status: 'speaking', started_at: sql`now()` })
						.where('id', '=', waiting.id)
						.execute();
				} else {
					await trx
						.insertInto('meeting_speakers')
						.values({
							id: newId(),
							meeting_id: meetingId,
							user_id: command.userId,
							status: 'speaking',
							position: 0,
							started_at: sql`now()`
						})
						.execute();
				}
				return;
			}
			case 'end':
				await trx.updateTable('meeting_speakers').set(done).where('meeting_id', '=', meetingId).where('status', '=', 'speaking').execute();
				return;
			case 'remove': {
				const entry = await open.where('user_id', '=', command.userId).executeTakeFirst();
				if (!entry) throw new AppError('not_found');
				await trx
					.updateTable('meeting_speakers')
					.set(entry.status === 'speaking' ? done : { status: 'withdrawn', ended_at: sql`now()` })
					.where('id', '=', entry.id)
					.execute();
				return;
			}
			case 'reorder': {
				const waiting = await open.where('status', '=', 'waiting').orderBy('position').execute();
				const named = command.userIds.filter((id) => waiting.some((w) => w.user_id === id));
				// Those not named keep their relative order, after the named ones.
				const order = [...named, ...waiting.map((w) => w.user_id).filter((id) => !named.includes(id))];
				for (const [position, userId] of order.entries()) {
					await trx
						.updateTable('meeting_speakers')
						.set({ position: position + 1 })
						.where('meeting_id', '=', meetingId)
						.where('user_id', '=', userId)
						.where('status', '=', 'waiting')
						.execute();
				}
				return;
			}
		}
	});
	broadcastState(deps, meetingId);
}

async function nextPosition(db: Db, meetingId: string): Promise<number> {
	const row = await db
		.selectFrom('meeting_speakers')
		.select(sql<number>`coalesce(max(position), 0) + 1`.as('next'))
		.where('meeting_id', '=', meetingId)
		.where('status', '=', 'waiting')
		.executeTakeFirstOrThrow();
	return Number(row.next);
}
