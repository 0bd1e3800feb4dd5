import { createEvent, type EventAttributes } from 'ics';

export interface InvitationEvent {
	meetingId: string;
	title: string;
	description: string;
	startsAt: Date;
	endsAt: Date;
	/** The video call, or the meeting's page when the call has no link yet. */
	location: string;
	url: string;
	organizer: { name: string; email: string };
	/**
	 * An observer follows without taking part in decisions: invited as OPT-PARTICIPANT, so their
	 * calendar shows the meeting as optional; everyone else is REQ-PARTICIPANT (RFC 5545 §3.2.16).
	 */
	attendee: { name: string; email: string; optional?: boolean };
	/** The host name that makes the UID globally unique (RFC 5545 §3.8.4.7). */
	host: string;
	/**
	 * The meeting's revision (meetings.calendar_sequence): raised at every change, so a calendar
	 * that holds the event replaces it with a later one and ignores an earlier one (RFC 5546 §2.1.4).
	 */
	sequence: number;
}

/** The same UID for every message about one meeting: the invitation, its updates, its cancellation. */
export function meetingEventUid(meetingId: string, host: string): string {
	return `meeting-${meetingId}@${host}`;
}

function calendar(event: InvitationEvent, method: 'REQUEST' | 'CANCEL', status: 'CONFIRMED' | 'CANCELLED'): string {
	const attributes: EventAttributes = {
		uid: meetingEventUid(event.meetingId, event.host),
		method,
		sequence: event.sequence,
		productId: 'tavolo/convocazione',
		start: event.startsAt.getTime(),
		startInputType: 'utc',
		startOutputType: 'utc',
		end: event.endsAt.getTime(),
		endInputType: 'utc',
		endOutputType: 'utc',
		title: event.title,
		description: event.description,
		location: event.location,
		url: event.url,
		status,
		organizer: { name: event.organizer.name, email: event.organizer.email },
		attendees: [
			{
				name: event.attendee.name,
				email: event.attendee.email,
				rsvp: method === 'REQUEST',
				partstat: 'NEEDS-ACTION',
				role: event.attendee.optional ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT'
			}
		]
	};
	const { error, value } = createEvent(attributes);
	if (error || !value) throw error ?? new Error('ics produced no calendar');
	return foldContentLines(value);
}

/** UTF-8 length of one code point. */
function octetsOf(codePoint: number): number {
	if (codePoint < 0x80) return 1;
	if (codePoint < 0x800) return 2;
	if (codePoint < 0x10000) return 3;
	return 4;
}

function foldLine(line: string): string {
	const parts: string[] = [];
	let current = '';
	let octets = 0;
	// The first line holds 75 octets; each continuation starts with a space, so 74 more.
	let limit = 75;
	for (const character of line) {
		const size = octetsOf(character.codePointAt(0)!);
		if (octets + size > limit) {
			parts.push(current);
			current = '';
			octets = 0;
			limit = 74;
		}
		current += character;
		octets += size;
	}
	parts.push(current);
	return parts.join('\r\n ');
}

/**
 * Folds every content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character. `ics`
 * folds by JavaScript characters, so a line with accented Italian letters passes 75 octets and a
 * strict reader (or a mail gateway that rewraps) may break it; the calendar is unfolded and folded
 * again by octets.
 */
export function foldContentLines(calendar: string): string {
	return calendar
		.replace(/\r?\n[ \t]/g, '')
		.split(/\r?\n/)
		.map(foldLine)
		.join('\r\n');
}

/**
 * An iCalendar REQUEST for one recipient, times in UTC (DTSTART:…Z), so every calendar places
 * it right whatever its zone. The UID stays the same per meeting: a reminder, a second send or a
 * change (with a higher SEQUENCE) updates the same event instead of adding another.
 */
export function invitationIcs(event: InvitationEvent): string {
	return calendar(event, 'REQUEST', 'CONFIRMED');
}

/** The iCalendar CANCEL of a meeting (RFC 5546 §3.2.5): the same UID, a higher SEQUENCE. */
export function cancellationIcs(event: InvitationEvent): string {
	return calendar(event, 'CANCEL', 'CANCELLED');
}
