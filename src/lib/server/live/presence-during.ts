import type { AttendanceMode } from '../../domain/meetings.ts';
import type { AttendanceRow } from './attendance.ts';

/** A stretch of the meeting (an item in focus, a poll open); `to` null while it lasts. */
export interface Interval {
	from: Date;
	to: Date | null;
}

/** Someone present during a stretch of the meeting, with every way they took part in it. */
export interface PresentPerson {
	name: string;
	role: string | null;
	modes: AttendanceMode[];
}

const modeOrder: readonly AttendanceMode[] = ['app', 'room', 'call'];

/**
 * Whether a stay overlaps an interval. Both are half-open: who left as the interval began, or
 * arrived as it ended, was not there. An interval of no length (a poll opened and closed at once)
 * holds those present at that instant.
 */
export function overlaps(stay: { joinedAt: Date; leftAt: Date | null }, interval: Interval): boolean {
	const joined = stay.joinedAt.getTime();
	const from = interval.from.getTime();
	const to = interval.to?.getTime() ?? Infinity;
	const arrivedInTime = to === from ? joined <= to : joined < to;
	return arrivedInTime && (stay.leftAt === null || stay.leftAt.getTime() > from);
}

/**
 * Who was present during any of the intervals: one entry per person (a member by user id, a
 * guest by check-in), with the modes of their overlapping stays, sorted by name.
 */
export function presentDuring(stays: AttendanceRow[], intervals: Interval[]): PresentPerson[] {
	const people = new Map<string, PresentPerson>();
	for (const stay of stays) {
		const span = { joinedAt: new Date(stay.joinedAt), leftAt: stay.leftAt ? new Date(stay.leftAt) : null };
		if (!intervals.some((interval) => overlaps(span, interval))) continue;
		const key = stay.userId ?? `check-in:${stay.checkInId}`;
		const person = people.get(key) ?? { name: stay.name, role: stay.role, modes: [] };
		if (!person.modes.includes(stay.mode)) person.modes = modeOrder.filter((mode) => mode === stay.mode || person.modes.includes(mode));
		people.set(key, person);
	}
	return [...people.values()].sort((a, b) => a.name.localeCompare(b.name, 'it'));
}

/** Those present who could vote: members of the table other than observers (guests cannot). */
export function entitled(people: PresentPerson[]): PresentPerson[] {
	return people.filter((person) => person.role !== null && person.role !== 'observer');
}
