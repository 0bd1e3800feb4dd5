import { m } from '$lib/paraglide/messages.js';
import { getLocale } from '$lib/paraglide/runtime.js';

/** Meetings happen in Italy: times are entered and shown in Rome's zone, whatever the device's. */
export const MEETING_TIME_ZONE = 'Europe/Rome';

const partsFormat = new Intl.DateTimeFormat('en-US', {
	timeZone: MEETING_TIME_ZONE,
	hourCycle: 'h23',
	year: 'numeric',
	month: '2-digit',
	day: '2-digit',
	hour: '2-digit',
	minute: '2-digit',
	second: '2-digit'
});

/** Minutes Rome is ahead of UTC at that instant (60 in winter, 120 in summer). */
function romeOffsetMinutes(instant: number): number {
	const parts = Object.fromEntries(partsFormat.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
	const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
	return Math.round((wall - instant) / 60_000);
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A Rome wall-clock date (YYYY-MM-DD) and time (HH:MM) as ISO 8601 with its offset, e.g.
 * `2025-03-10T17:00:00+01:00`; null when either is not a real date or time. A time skipped by the
 * spring change (02:30 on the last Sunday of March) resolves to the offset before the change.
 */
export function romeLocalToIso(date: string, time: string): string | null {
	const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
	const t = /^(\d{2}):(\d{2})$/.exec(time);
	if (!d || !t) return null;
	const [year, month, day, hour, minute] = [+d[1], +d[2], +d[3], +t[1], +t[2]];
	const wall = Date.UTC(year, month - 1, day, hour, minute);
	const check = new Date(wall);
	if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59) return null;
	// The offset depends on the instant we are looking for: guess with the wall time, then correct.
	const firstGuess = romeOffsetMinutes(wall);
	const offset = romeOffsetMinutes(wall - firstGuess * 60_000);
	const sign = offset >= 0 ? '+' : '-';
	const abs = Math.abs(offset);
	return `${date}T${time}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The Rome wall-clock date (YYYY-MM-DD) and time (HH:MM) of an instant: what a form shows to edit it. */
export function romeWallClock(instant: Date): { date: string; time: string } {
	const parts = Object.fromEntries(partsFormat.formatToParts(instant).map((p) => [p.type, p.value]));
	return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

function intlLocale(): string {
	return getLocale() === 'en' ? 'en-GB' : 'it-IT';
}

export function formatRomeDate(instant: Date): string {
	return new Intl.DateTimeFormat(intlLocale(), {
		timeZone: MEETING_TIME_ZONE,
		weekday: 'long',
		day: 'numeric',
		month: 'long',
		year: 'numeric'
	}).format(instant);
}

export function formatRomeTime(instant: Date): string {
	return new Intl.DateTimeFormat(intlLocale(), { timeZone: MEETING_TIME_ZONE, hour: '2-digit', minute: '2-digit' }).format(instant);
}

export function formatRomeDateTime(instant: Date): string {
	return `${formatRomeDate(instant)}, ${formatRomeTime(instant)}`;
}

/** "lunedì 10 marzo 2025, dalle 17:00 alle 19:00" */
export function formatMeetingTime(startsAt: Date, endsAt: Date): string {
	return m.meeting_time_range({ date: formatRomeDate(startsAt), start: formatRomeTime(startsAt), end: formatRomeTime(endsAt) });
}
