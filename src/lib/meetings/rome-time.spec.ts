import { describe, expect, it } from 'vitest';
import { romeLocalToIso, romeWallClock } from './rome-time.ts';

describe('romeLocalToIso', () => {
	it('uses +01:00 in winter and +02:00 in summer', () => {
		expect(romeLocalToIso('2025-01-15', '17:30')).toBe('2025-01-15T17:30:00+01:00');
		expect(romeLocalToIso('2025-07-01', '09:00')).toBe('2025-07-01T09:00:00+02:00');
	});

	it('handles the days the clocks change', () => {
		expect(romeLocalToIso('2025-03-30', '01:30')).toBe('2025-03-30T01:30:00+01:00');
		expect(romeLocalToIso('2025-03-30', '03:30')).toBe('2025-03-30T03:30:00+02:00');
		expect(romeLocalToIso('2025-10-26', '04:00')).toBe('2025-10-26T04:00:00+01:00');
	});

	it('refuses what is not a date or a time', () => {
		expect(romeLocalToIso('2025-02-30', '10:00')).toBeNull();
		expect(romeLocalToIso('', '10:00')).toBeNull();
		expect(romeLocalToIso('2025-02-10', '25:00')).toBeNull();
	});
});

describe('romeWallClock', () => {
	it('gives back the Rome date and time an instant was entered as, winter and summer', () => {
		expect(romeWallClock(new Date('2025-01-15T16:30:00Z'))).toEqual({ date: '2025-01-15', time: '17:30' });
		expect(romeWallClock(new Date('2025-07-01T07:00:00Z'))).toEqual({ date: '2025-07-01', time: '09:00' });
		expect(romeWallClock(new Date('2025-12-31T23:15:00Z'))).toEqual({ date: '2026-01-01', time: '00:15' });
		for (const iso of ['2025-03-30T03:30:00+02:00', '2025-10-26T04:00:00+01:00']) {
			const { date, time } = romeWallClock(new Date(iso));
			expect(romeLocalToIso(date, time)).toBe(iso);
		}
	});
});
