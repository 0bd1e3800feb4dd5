import { describe, expect, it } from 'vitest';
import type { AttendanceRow } from './attendance.ts';
import { entitled, overlaps, presentDuring } from './presence-during.ts';

const at = (minute: number) => new Date(Date.UTC(2027, 0, 14, 14, minute));
const stay = (name: string, from: number, to: number | null, extra: Partial<AttendanceRow> = {}): AttendanceRow => ({
	userId: `u-${name}`,
	checkInId: null,
	mode: 'app',
	name,
	role: 'participant',
	categoryId: null,
	representedBody: '',
	joinedAt: at(from).toISOString(),
	leftAt: to === null ? null : at(to).toISOString(),
	...extra
});

describe('overlaps', () => {
	it('treats stays and intervals as half-open: leaving as an item begins is not being there', () => {
		const item = { from: at(10), to: at(20) };
		expect(overlaps({ joinedAt: at(0), leftAt: at(10) }, item)).toBe(false);
		expect(overlaps({ joinedAt: at(20), leftAt: null }, item)).toBe(false);
		expect(overlaps({ joinedAt: at(19), leftAt: at(25) }, item)).toBe(true);
		expect(overlaps({ joinedAt: at(0), leftAt: null }, { from: at(10), to: null })).toBe(true);
	});

	it('holds those present at the instant of an interval of no length', () => {
		const instant = { from: at(10), to: at(10) };
		expect(overlaps({ joinedAt: at(10), leftAt: null }, instant)).toBe(true);
		expect(overlaps({ joinedAt: at(0), leftAt: at(10) }, instant)).toBe(false);
	});
});

describe('presentDuring', () => {
	it('lists each person once with every mode of their overlapping stays, by name', () => {
		const stays = [
			stay('Zeno', 0, 30),
			stay('Anna', 0, 5),
			stay('Anna', 12, null, { mode: 'room', checkInId: 'c-1' }),
			stay('Anna', 15, null),
			stay('Bruno', 0, 9),
			stay('Luca', 11, 13, { userId: null, checkInId: 'c-2', mode: 'call', role: null }),
			stay('Luca', 11, 13, { userId: null, checkInId: 'c-3', mode: 'room', role: null })
		];
		const present = presentDuring(stays, [{ from: at(10), to: at(20) }]);
		expect(present).toEqual([
			{ name: 'Anna', role: 'participant', modes: ['app', 'room'] },
			// Two guests of one name are two check-ins, two people.
			{ name: 'Luca', role: null, modes: ['call'] },
			{ name: 'Luca', role: null, modes: ['room'] },
			{ name: 'Zeno', role: 'participant', modes: ['app'] }
		]);
		expect(entitled(present).map((p) => p.name)).toEqual(['Anna', 'Zeno']);
	});

	it('counts any of several intervals (an item put in focus twice)', () => {
		const present = presentDuring(
			[stay('Carla', 25, null)],
			[
				{ from: at(0), to: at(10) },
				{ from: at(30), to: at(40) }
			]
		);
		expect(present.map((p) => p.name)).toEqual(['Carla']);
		expect(
			presentDuring(
				[stay('Bruno', 11, 20)],
				[
					{ from: at(0), to: at(10) },
					{ from: at(30), to: null }
				]
			)
		).toEqual([]);
	});
});
