import type { MeetingRow } from '../db/schema.ts';
import { AppError } from '../errors.ts';

/**
 * Once closed, a meeting's room is a record: its focus, timers, queue and polls no longer move.
 * A cancelled meeting never takes place, so nothing moves in its room either.
 */
export function refuseIfClosed(meeting: Pick<MeetingRow, 'status'>): void {
	if (meeting.status === 'closed') throw new AppError('meeting_closed');
	if (meeting.status === 'cancelled') throw new AppError('meeting_cancelled');
}
