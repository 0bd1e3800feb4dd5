/** Where a commitment ("who does what by when") stands, shared by the browser and the server. */

/** aperto · in corso · fatto · annullato. */
export const commitmentStatuses = ['open', 'in_progress', 'done', 'cancelled'] as const;
export type CommitmentStatus = (typeof commitmentStatuses)[number];

/** Still to be done: what the table page lists, the next agenda checks and the reminder mails. */
export const pendingCommitmentStatuses = ['open', 'in_progress'] as const satisfies readonly CommitmentStatus[];

export const commitmentLimits = { title: 300, ownerBody: 200, note: 1000 } as const;

/** Whether `day` (`YYYY-MM-DD`) is a real calendar day. */
export function isCalendarDay(day: string): boolean {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
	if (!match) return false;
	const date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
	return date.getUTCFullYear() === +match[1] && date.getUTCMonth() === +match[2] - 1 && date.getUTCDate() === +match[3];
}

/** `day` moved by `days` calendar days (`YYYY-MM-DD` in, `YYYY-MM-DD` out). */
export function addDays(day: string, days: number): string {
	const [year, month, date] = day.split('-').map(Number);
	return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}

/** Noon UTC of a calendar day: an instant that is the same day in Europe/Rome, to format it. */
export function dayInstant(day: string): Date {
	return new Date(`${day}T12:00:00Z`);
}

/** Who answers for a commitment: a member (`userId`, with their name and body) or a body alone. */
export interface CommitmentOwner {
	userId: string | null;
	name: string;
	body: string;
}

/** "Anna Rossi (Comune di Pieve)", or "Comune di Pieve": who answers for it, in one line. */
export function ownerLabel(owner: CommitmentOwner): string {
	if (owner.userId && owner.name) return owner.body ? `${owner.name} (${owner.body})` : owner.name;
	return owner.body || owner.name;
}
