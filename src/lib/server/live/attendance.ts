import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { accessMeeting } from '../authz/access.ts';

export interface AttendanceRow {
	userId: string;
	name: string;
	role: string | null;
	categoryId: string | null;
	representedBody: string;
	joinedAt: string;
	leftAt: string | null;
}

/** A stay in the live room begins (one row per socket that joined). Returns the row's id. */
export async function recordArrival(db: Db, meetingId: string, userId: string): Promise<string> {
	const id = newId();
	await db.insertInto('meeting_attendance').values({ id, meeting_id: meetingId, user_id: userId }).execute();
	return id;
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

/** Every stay in a meeting's live room, in order of arrival, with the member's role and category on its table. */
export async function findStays(db: Db, meeting: { id: string; table_id: string }): Promise<AttendanceRow[]> {
	const rows = await db
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
		.orderBy('meeting_attendance.joined_at')
		.execute();
	return rows.map((r) => ({
		userId: r.user_id,
		name: r.name,
		role: r.role ?? null,
		categoryId: r.category_id ?? null,
		representedBody: r.represented_body ?? '',
		joinedAt: new Date(r.joined_at).toISOString(),
		leftAt: r.left_at ? new Date(r.left_at).toISOString() : null
	}));
}
