import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { newId } from '../ids.ts';
import type { StayWindow } from './attendance.ts';

/** When one agenda item was in focus, clipped to the meeting's live window; `to` null while it still is. */
export interface FocusInterval {
	itemId: string;
	from: Date;
	to: Date | null;
}

/**
 * The focus moved to `itemId` (null: no item): the open interval ends now and a new one begins.
 * Focusing the item already in focus changes nothing. Call it inside the transaction that sets
 * the focus, with the meeting row locked, so two moderators clicking at once leave one open interval.
 */
export async function recordFocus(db: Db, meetingId: string, itemId: string | null): Promise<void> {
	const open = await db
		.selectFrom('meeting_focus_history')
		.select(['id', 'item_id'])
		.where('meeting_id', '=', meetingId)
		.where('ended_at', 'is', null)
		.executeTakeFirst();
	if (open && open.item_id === itemId) return;
	if (open)
		await db
			.updateTable('meeting_focus_history')
			.set({ ended_at: sql`now()` })
			.where('id', '=', open.id)
			.execute();
	if (itemId !== null)
		await db.insertInto('meeting_focus_history').values({ id: newId(), meeting_id: meetingId, item_id: itemId }).execute();
}

/** The meeting closed: the item in focus is no longer being discussed. */
export async function endFocus(db: Db, meetingId: string): Promise<void> {
	await db
		.updateTable('meeting_focus_history')
		.set({ ended_at: sql`now()` })
		.where('meeting_id', '=', meetingId)
		.where('ended_at', 'is', null)
		.execute();
}

/**
 * Every interval an agenda item was in focus while the meeting was live, in order: a focus set
 * before the start counts from the start, one still open at the close ends there, and an
 * interval wholly outside the live window is dropped.
 */
export async function findFocusIntervals(db: Db, meeting: StayWindow): Promise<FocusInterval[]> {
	if (meeting.status === 'planned' || !meeting.started_at) return [];
	const rows = await db
		.selectFrom('meeting_focus_history')
		.select(['item_id', 'started_at', 'ended_at'])
		.where('meeting_id', '=', meeting.id)
		.orderBy('started_at')
		.execute();
	const startedAt = new Date(meeting.started_at).getTime();
	const closedAt = meeting.closed_at ? new Date(meeting.closed_at).getTime() : null;
	const intervals: FocusInterval[] = [];
	for (const row of rows) {
		const from = Math.max(new Date(row.started_at).getTime(), startedAt);
		let to = row.ended_at ? new Date(row.ended_at).getTime() : null;
		if (closedAt !== null) to = Math.min(to ?? closedAt, closedAt);
		if (to !== null && to <= from) continue;
		intervals.push({ itemId: row.item_id, from: new Date(from), to: to === null ? null : new Date(to) });
	}
	return intervals;
}
