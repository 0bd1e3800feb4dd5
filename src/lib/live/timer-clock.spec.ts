import { describe, expect, it } from 'vitest';
import { formatDuration, spokenMs, timerElapsedMs, timerRemainingMs } from './timer-clock.ts';

describe('timer clock', () => {
	const start = Date.parse('2027-01-14T15:00:00Z');

	it('adds the running stretch to the time already spent', () => {
		const timer = { itemId: 'a', durationMs: 600_000, elapsedMs: 60_000, runningSince: new Date(start).toISOString() };
		expect(timerElapsedMs(timer, start + 30_000)).toBe(90_000);
		expect(timerRemainingMs(timer, start + 30_000)).toBe(510_000);
	});

	it('goes negative once the item runs over, and stands still while paused', () => {
		const paused = { itemId: 'a', durationMs: 60_000, elapsedMs: 75_000, runningSince: null };
		expect(timerRemainingMs(paused, start)).toBe(-15_000);
		expect(timerRemainingMs(paused, start + 600_000)).toBe(-15_000);
	});

	it('counts the running turn of the one speaking', () => {
		const entry = {
			id: 's',
			userId: 'u',
			name: 'Bruno',
			status: 'speaking' as const,
			raisedAt: '',
			startedAt: new Date(start).toISOString(),
			spokenMs: 5_000
		};
		expect(spokenMs(entry, start + 10_000)).toBe(15_000);
		expect(spokenMs({ ...entry, status: 'waiting' }, start + 10_000)).toBe(5_000);
	});

	it('formats minutes and seconds, and hours when needed', () => {
		expect(formatDuration(0)).toBe('0:00');
		expect(formatDuration(65_400)).toBe('1:05');
		expect(formatDuration(-65_400)).toBe('1:05');
		expect(formatDuration(3_723_000)).toBe('1:02:03');
	});
});
