import { createEvent } from 'ics';

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
	attendee: { name: string; email: string };
	/** The host name that makes the UID globally unique (RFC 5545 §3.8.4.7). */
	host: string;
}

/**
 * An iCalendar REQUEST for one recipient, times in UTC (DTSTART:…Z), so every calendar places
 * it right whatever its zone. The UID stays the same per meeting: a reminder or a second send
 * updates the same event instead of adding another.
 */
export function invitationIcs(event: InvitationEvent): string {
	const { error, value } = createEvent({
		uid: `meeting-${event.meetingId}@${event.host}`,
		method: 'REQUEST',
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
		status: 'CONFIRMED',
		organizer: { name: event.organizer.name, email: event.organizer.email },
		attendees: [{ name: event.attendee.name, email: event.attendee.email, rsvp: true, partstat: 'NEEDS-ACTION', role: 'REQ-PARTICIPANT' }]
	});
	if (error || !value) throw error ?? new Error('ics produced no calendar');
	return value;
}
