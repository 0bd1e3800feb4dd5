/** When the daily notification digest is due: its hour is Rome's wall clock, whatever the server's zone. */
const romeParts = new Intl.DateTimeFormat('en-US', {
	timeZone: 'Europe/Rome',
	hourCycle: 'h23',
	year: 'numeric',
	month: '2-digit',
	day: '2-digit',
	hour: '2-digit'
});

/**
 * The latest instant, at or before `now`, when Rome's clock read `hour`:00 (today's if it has
 * passed, else yesterday's). Found by stepping back whole hours, which is exact across the
 * daylight-saving changes (Rome's offsets are whole hours).
 */
export function lastDigestInstant(now: Date, hour: number): Date {
	const start = new Date(now);
	start.setUTCMinutes(0, 0, 0);
	for (let back = 0; back < 26; back++) {
		const candidate = new Date(start.getTime() - back * 3_600_000);
		const parts = Object.fromEntries(romeParts.formatToParts(candidate).map((p) => [p.type, p.value]));
		if (Number(parts.hour) === hour) return candidate;
	}
	// An hour Rome's clock skipped (02:00 on the spring change day): a day before now.
	return new Date(start.getTime() - 24 * 3_600_000);
}
