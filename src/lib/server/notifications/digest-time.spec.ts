import { describe, expect, it } from 'vitest';
import { lastDigestInstant } from './digest-time.ts';

describe('lastDigestInstant: the latest digest hour, Rome time, at or before now', () => {
	it('is today’s once the hour has passed, yesterday’s before it (winter, UTC+1)', () => {
		expect(lastDigestInstant(new Date('2026-12-01T09:30:00Z'), 8).toISOString()).toBe('2026-12-01T07:00:00.000Z');
		expect(lastDigestInstant(new Date('2026-12-01T06:59:59Z'), 8).toISOString()).toBe('2026-11-30T07:00:00.000Z');
		expect(lastDigestInstant(new Date('2026-12-01T07:00:00Z'), 8).toISOString()).toBe('2026-12-01T07:00:00.000Z');
	});

	it('follows summer time (UTC+2) and the days the clock changes', () => {
		expect(lastDigestInstant(new Date('2027-07-01T12:00:00Z'), 8).toISOString()).toBe('2027-07-01T06:00:00.000Z');
		// 28 March 2027: Rome goes from +1 to +2 at 02:00; 08:00 that day is 06:00 UTC.
		expect(lastDigestInstant(new Date('2027-03-28T10:00:00Z'), 8).toISOString()).toBe('2027-03-28T06:00:00.000Z');
		// 31 October 2027: back to +1; 08:00 is 07:00 UTC, and the day before's was 06:00 UTC.
		expect(lastDigestInstant(new Date('2027-10-31T06:30:00Z'), 8).toISOString()).toBe('2027-10-30T06:00:00.000Z');
		expect(lastDigestInstant(new Date('2027-10-31T07:30:00Z'), 8).toISOString()).toBe('2027-10-31T07:00:00.000Z');
	});

	it('handles midnight and the last hour of the day', () => {
		expect(lastDigestInstant(new Date('2026-12-01T00:30:00Z'), 0).toISOString()).toBe('2026-11-30T23:00:00.000Z');
		expect(lastDigestInstant(new Date('2026-12-01T22:10:00Z'), 23).toISOString()).toBe('2026-12-01T22:00:00.000Z');
	});
});
