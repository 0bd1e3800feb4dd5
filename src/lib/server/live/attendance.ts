import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { MeetingRow } from '../db/schema.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { accessMeeting } from '../authz/access.ts';
import type { AttendanceMode } from '../../domain/meetings.ts';

/**
 * One stay in the attendance register: in Tavolo (a socket in the live room) or by a moderator's
 * check-in, in the council chamber or on the video call.
 */
export interface AttendanceRow {
	/** The member; null for a guest checked in by name. */
	userId: string | null;
	/** The check-in this stay comes from; null for a stay in Tavolo. */
	checkInId: string | null;
	mode: AttendanceMode;
	name: string;
	role: string | null;
	categoryId: string | null;
	representedBody: string;
	joinedAt: string;
	leftAt: string | null;
}

/**
 * A stay in the live room begins (one row per socket that joined), if the meeting is live at
 * that moment: the check and the insert are one statement. Returns the row's id, or null when
 * the meeting is planned or closed (a room visited then is not attended: the socket's arrival is
 * recorded when the meeting starts, see `meeting:started` in server/sockets/).
 */
export async function recordArrival(db: Db, meetingId: string, userId: string): Promise<string | null> {
	const id = newId();
	const inserted = await sql<{ id: string }>`
		insert into meeting_attendance (id, meeting_id, user_id)
		select ${id}::text, ${meetingId}::text, ${userId}::text
		where exists (select 1 from meetings where id = ${meetingId} and status = 'live')
		returning id`.execute(db);
	return inserted.rows.length === 1 ? id : null;
}

/** The meeting closed: every stay still open ends now (the sockets may stay in the room). */
export async function endOpenStays(db: Db, meetingId: string): Promise<void> {
	await db
		.updateTable('meeting_attendance')
		.set({ left_at: sql`now()` })
		.where('meeting_id', '=', meetingId)
		.where('left_at', 'is', null)
		.execute();
}

export async function recordDeparture(db: Db, attendanceId: string): Promise<void> {
	await db
		.updateTable('meeting_attendance')
		.set({ left_at: sql`now()` })
		.where('id', '=', attendanceId)
		.where('left_at', 'is', null)
		.execute();
}

/** The attendance register (foglio presenze): every stay, in order of arrival. */
export async function listAttendance(db: Db, user: SessionUser, meetingId: string): Promise<AttendanceRow[]> {
	const { meeting } = await accessMeeting(db, user, meetingId);
	return findStays(db, meeting);
}

/** What `findStays` needs of a meeting: its table, status and when it started and closed. */
export type StayWindow = Pick<MeetingRow, 'id' | 'table_id' | 'status' | 'started_at' | 'closed_at'>;

/** A stay as stored, before it is clipped to the meeting's live window. */
interface RecordedStay extends Omit<AttendanceRow, 'joinedAt' | 'leftAt'> {
	joinedAt: Date;
	leftAt: Date | null;
}

/**
 * Every stay in a meeting while it was live, in order of arrival: in its live room (mode 'app')
 * and by a moderator's check-in ('room', 'call'), with the member's role and category on its
 * table (a guest's own). Stays are clipped to [started_at, closed_at]: time in the room before
 * the start or after the close is not attendance, and a stay wholly outside is dropped. A planned
 * meeting has none; a meeting closed before the start and close times were kept (started_at or
 * closed_at null) is clipped only where the time is known.
 */
export async function findStays(db: Db, meeting: StayWindow): Promise<AttendanceRow[]> {
	if (meeting.status === 'planned') return [];
	const [visits, checkIns] = await Promise.all([
		db
			.selectFrom('meeting_attendance')
			.innerJoin('users', 'users.id', 'meeting_attendance.user_id')
			.leftJoin('memberships', (join) =>
				join.onRef('memberships.user_id', '=', 'meeting_attendance.user_id').on('memberships.table_id', '=', meeting.table_id)
			)
			.select([
				'meeting_attendance.user_id',
				'users.name',
				'memberships.role',
				'memberships.category_id',
				'memberships.represented_body',
				'meeting_attendance.joined_at',
				'meeting_attendance.left_at'
			])
			.where('meeting_attendance.meeting_id', '=', meeting.id)
			.execute(),
		db
			.selectFrom('meeting_check_ins as c')
			.leftJoin('users as u', 'u.id', 'c.user_id')
			.leftJoin('memberships as mem', (join) => join.onRef('mem.user_id', '=', 'c.user_id').on('mem.table_id', '=', meeting.table_id))
			.select([
				'c.id',
				'c.user_id',
				'c.guest_name',
				'c.category_id',
				'c.represented_body',
				'c.mode',
				'c.checked_in_at',
				'c.checked_out_at',
				'u.name',
				'mem.role',
				'mem.category_id as member_category_id',
				'mem.represented_body as member_body'
			])
			.where('c.meeting_id', '=', meeting.id)
			.execute()
	]);
	const recorded: RecordedStay[] = [
		...visits.map((r) => ({
			userId: r.user_id,
			checkInId: null,
			mode: 'app' as const,
			name: r.name,
			role: r.role ?? null,
			categoryId: r.category_id ?? null,
			representedBody: r.represented_body ?? '',
			joinedAt: new Date(r.joined_at),
			leftAt: r.left_at ? new Date(r.left_at) : null
		})),
		...checkIns.map((r) => ({
			userId: r.user_id,
			checkInId: r.id,
			mode: r.mode,
			name: r.user_id ? (r.name ?? '') : (r.guest_name ?? ''),
			role: r.role ?? null,
			categoryId: r.user_id ? (r.member_category_id ?? null) : r.category_id,
			representedBody: r.user_id ? (r.member_body ?? '') : r.represented_body,
			joinedAt: new Date(r.checked_in_at),
			leftAt: r.checked_out_at ? new Date(r.checked_out_at) : null
		}))
	];
	const startedAt = meeting.started_at ? new Date(meeting.started_at).getTime() : -Infinity;
	const closedAt = meeting.closed_at ? new Date(meeting.closed_at).getTime() : null;
	const stays: AttendanceRow[] = [];
	for (const r of recorded) {
		const joinedAt = Math.max(r.joinedAt.getTime(), startedAt);
		let leftAt = r.leftAt ? r.leftAt.getTime() : null;
		if (closedAt !== null) leftAt = Math.min(leftAt ?? closedAt, closedAt);
		if (closedAt !== null && joinedAt >= closedAt) continue;
		if (leftAt !== null && leftAt <= joinedAt) continue;
		stays.push({ ...r, joinedAt: new Date(joinedAt).toISOString(), leftAt: leftAt === null ? null : new Date(leftAt).toISOString() });
	}
	return stays.sort((a, b) => a.joinedAt.localeCompare(b.joinedAt));
}

/** Arrivals and departures written in batches (`createAttendanceWriter`). */
export interface AttendanceWriter {
	/** As `recordArrival`: the stay's id, or null when the meeting is not live. */
	arrive(meetingId: string, userId: string): Promise<string | null>;
	/** As `recordDeparture`. */
	depart(attendanceId: string): Promise<void>;
}

/**
 * Group commit of the attendance register: the arrivals (and the departures) that come while a
 * batch is being written, or within the same turn of the event loop, are the next batch, one
 * statement for all of them. Five hundred members entering in a few seconds cost a handful of
 * inserts, not five hundred; a lone arrival waits for nothing but its own write. Owned by
 * whoever creates it (the socket server), never module-level.
 */
export function createAttendanceWriter(db: Db, maxBatch = 500): AttendanceWriter {
	type Arrival = { id: string; meetingId: string; userId: string; done: (id: string | null) => void; fail: (error: unknown) => void };
	type Departure = { id: string; done: () => void; fail: (error: unknown) => void };

	function batcher<T>(write: (batch: T[]) => Promise<void>, fail: (item: T, error: unknown) => void) {
		const queue: T[] = [];
		let running = false;
		const run = () => {
			const batch = queue.splice(0, maxBatch);
			if (batch.length === 0) {
				running = false;
				return;
			}
			write(batch)
				.catch((error: unknown) => {
					for (const item of batch) fail(item, error);
				})
				.finally(run);
		};
		return (item: T) => {
			queue.push(item);
			if (running) return;
			running = true;
			// Whatever else arrives in this turn of the event loop joins the first batch.
			queueMicrotask(() => setImmediate(run));
		};
	}

	const addArrival = batcher<Arrival>(
		async (batch) => {
			const inserted = await sql<{ id: string }>`
				insert into meeting_attendance (id, meeting_id, user_id)
				select v.id, v.meeting_id, v.user_id
				from unnest(${batch.map((a) => a.id)}::text[], ${batch.map((a) => a.meetingId)}::text[], ${batch.map((a) => a.userId)}::text[])
					as v(id, meeting_id, user_id)
				where exists (select 1 from meetings where id = v.meeting_id and status = 'live')
				returning id`.execute(db);
			const written = new Set(inserted.rows.map((row) => row.id));
			for (const arrival of batch) arrival.done(written.has(arrival.id) ? arrival.id : null);
		},
		(arrival, error) => arrival.fail(error)
	);
	const addDeparture = batcher<Departure>(
		async (batch) => {
			await db
				.updateTable('meeting_attendance')
				.set({ left_at: sql`now()` })
				.where(
					'id',
					'in',
					batch.map((d) => d.id)
				)
				.where('left_at', 'is', null)
				.execute();
			for (const departure of batch) departure.done();
		},
		(departure, error) => departure.fail(error)
	);

	return {
		arrive: (meetingId, userId) => new Promise((done, fail) => addArrival({ id: newId(), meetingId, userId, done, fail })),
		depart: (id) => new Promise((done, fail) => addDeparture({ id, done, fail }))
	};
}
