import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ICAL from 'ical.js';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { startSmtpInbox, type ReceivedMail, type SmtpInbox } from '../support/smtp-inbox.ts';
import { sendDueReminders } from '../../src/lib/server/convocation/service.ts';

/**
 * Issue 12, item 4: a coordinator edits or cancels a meeting (PATCH /api/v1/meetings/:id,
 * POST /api/v1/meetings/:id/cancel); whoever was convened gets the calendar update (same UID,
 * higher SEQUENCE) or the cancellation (METHOD:CANCEL), read back from a real SMTP server and
 * parsed as iCalendar; reminders follow the new time and skip a cancelled meeting.
 */

interface CalendarEvent {
	method: string;
	uid: string;
	sequence: number;
	status: string;
	start: Date;
	end: Date;
	summary: string;
	location: string;
}

/** The mail's text/calendar part, parsed (RFC 5545) by ical.js. */
function calendarOf(entry: ReceivedMail): CalendarEvent {
	const part = entry.mail.attachments.find((a) => a.contentType.startsWith('text/calendar'));
	if (!part) throw new Error(`no calendar in the mail "${entry.mail.subject}"`);
	const calendar = new ICAL.Component(ICAL.parse(part.content.toString('utf8')));
	const event = calendar.getFirstSubcomponent('vevent');
	if (!event) throw new Error('no VEVENT in the calendar');
	const time = (name: string) => (event.getFirstPropertyValue(name) as ICAL.Time).toJSDate();
	return {
		method: String(calendar.getFirstPropertyValue('method')),
		uid: String(event.getFirstPropertyValue('uid')),
		sequence: Number(event.getFirstPropertyValue('sequence') ?? 0),
		status: String(event.getFirstPropertyValue('status')),
		start: time('dtstart'),
		end: time('dtend'),
		summary: String(event.getFirstPropertyValue('summary')),
		location: String(event.getFirstPropertyValue('location'))
	};
}

describe('changing and cancelling a meeting', () => {
	let smtp: SmtpInbox;
	let app: TestApp;
	let coordinator: ApiClient;
	let participant: ApiClient;
	let late: ApiClient;
	let tableId: string;
	const participantEmail = 'sindaca@comune.example';
	const lateEmail = 'assessore@comune.example';

	async function schedule(title: string, startsAt: string, endsAt: string): Promise<string> {
		const created = await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
			title,
			startsAt,
			endsAt,
			videoUrl: 'https://meet.example.org/a'
		});
		expect(created.status).toBe(201);
		return created.body.id;
	}

	/** Sends the convocation and answers the invitation the participant received. */
	async function convene(meetingId: string): Promise<CalendarEvent> {
		const before = smtp.mailsTo(participantEmail).length;
		const sent = await coordinator.post(`/api/v1/meetings/${meetingId}/convocation/send`, {});
		expect(sent.body).toMatchObject({ transport: 'smtp', failed: [] });
		return calendarOf(await smtp.nextMailTo(participantEmail, before));
	}

	beforeAll(async () => {
		smtp = await startSmtpInbox();
		app = await startTestApp({ SMTP_URL: smtp.url });
		coordinator = new ApiClient(app.origin);
		await coordinator.signUp('giulia@consorzio.example', 'Giulia Coordinatrice');
		tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
		participant = new ApiClient(app.origin);
		await participant.signUp(participantEmail, 'Anna Sindaca');
		await participant.joinTable(coordinator, tableId, { role: 'participant' });
		late = new ApiClient(app.origin);
		await late.signUp(lateEmail, 'Carlo Assessore');
	}, 60_000);

	afterAll(async () => {
		await app?.stop();
		await smtp?.close();
	});

	it('sends those convened the updated invitation: same UID, higher SEQUENCE, the new time, a short mail', async () => {
		const meetingId = await schedule('Primo incontro', '2027-03-10T15:00:00+01:00', '2027-03-10T17:00:00+01:00');
		const invitation = await convene(meetingId);
		expect(invitation.method).toBe('REQUEST');
		// Joined after the convocation went out: never convened, so never told of the change.
		await late.joinTable(coordinator, tableId, { role: 'participant' });
		const lateMails = smtp.mailsTo(lateEmail).length;

		const before = smtp.mailsTo(participantEmail).length;
		const changed = await coordinator.patch(`/api/v1/meetings/${meetingId}`, {
			title: 'Primo incontro del tavolo',
			startsAt: '2027-03-12T10:00:00+01:00',
			endsAt: '2027-03-12T12:30:00+01:00'
		});
		expect(changed.status).toBe(200);
		expect(changed.body).toMatchObject({
			id: meetingId,
			title: 'Primo incontro del tavolo',
			startsAt: '2027-03-12T09:00:00.000Z',
			endsAt: '2027-03-12T11:30:00.000Z',
			status: 'planned',
			changed: ['title', 'startsAt', 'endsAt'],
			notified: { transport: 'smtp', total: 2, sent: 2, failed: [] }
		});

		const mail = await smtp.nextMailTo(participantEmail, before);
		const update = calendarOf(mail);
		expect(update.method).toBe('REQUEST');
		expect(update.uid).toBe(invitation.uid);
		expect(update.sequence).toBeGreaterThan(invitation.sequence);
		expect(update.status).toBe('CONFIRMED');
		expect(update.start.toISOString()).toBe('2027-03-12T09:00:00.000Z');
		expect(update.end.toISOString()).toBe('2027-03-12T11:30:00.000Z');
		expect(update.summary).toBe('Primo incontro del tavolo');
		expect(mail.mail.subject).toBe('Incontro modificato: «Primo incontro del tavolo», venerdì 12 marzo 2027 alle 10:00');
		expect(mail.mail.text).toContain('titolo: «Primo incontro del tavolo» (prima: «Primo incontro»)');
		expect(mail.mail.text).toContain(
			'quando: venerdì 12 marzo 2027, dalle 10:00 alle 12:30 (prima: mercoledì 10 marzo 2027, dalle 15:00 alle 17:00)'
		);
		expect(mail.mail.text).toContain(`${app.origin}/meetings/${meetingId}`);
		expect(smtp.mailsTo(lateEmail)).toHaveLength(lateMails);

		// A second change raises the sequence again; the link alone moves the LOCATION.
		const again = await coordinator.patch(`/api/v1/meetings/${meetingId}`, { videoUrl: 'https://meet.example.org/nuovo' });
		expect(again.body.changed).toEqual(['videoUrl']);
		const second = calendarOf(await smtp.nextMailTo(participantEmail, before + 1));
		expect(second.uid).toBe(invitation.uid);
		expect(second.sequence).toBeGreaterThan(update.sequence);
		expect(second.location).toBe('https://meet.example.org/nuovo');

		// Nothing changed, nothing sent.
		const same = await coordinator.patch(`/api/v1/meetings/${meetingId}`, { title: 'Primo incontro del tavolo' });
		expect(same.body).toMatchObject({ changed: [], notified: { total: 0 } });

		const audit = await app.context.db
			.selectFrom('audit_events')
			.select(['action', 'actor_name', 'details'])
			.where('subject_id', '=', meetingId)
			.where('action', '=', 'meeting.update')
			.execute();
		expect(audit).toHaveLength(2);
		expect(audit[0].actor_name).toBe('Giulia Coordinatrice');
	});

	it('cancels: those convened get METHOD:CANCEL with the same UID and a higher SEQUENCE; nothing changes it afterwards', async () => {
		const meetingId = await schedule('Incontro da annullare', '2027-04-01T10:00:00+02:00', '2027-04-01T12:00:00+02:00');
		const invitation = await convene(meetingId);
		await coordinator.patch(`/api/v1/meetings/${meetingId}`, { endsAt: '2027-04-01T12:30:00+02:00' });
		const before = smtp.mailsTo(participantEmail).length;

		const cancelled = await coordinator.post(`/api/v1/meetings/${meetingId}/cancel`, {
			reason: 'Sovrapposizione con il consiglio comunale'
		});
		expect(cancelled.status).toBe(200);
		expect(cancelled.body).toMatchObject({
			status: 'cancelled',
			cancelReason: 'Sovrapposizione con il consiglio comunale',
			notified: { failed: [] }
		});
		expect(cancelled.body.notified.sent).toBe(cancelled.body.notified.total);

		const mail = await smtp.nextMailTo(participantEmail, before);
		const cancellation = calendarOf(mail);
		expect(cancellation.method).toBe('CANCEL');
		expect(cancellation.status).toBe('CANCELLED');
		expect(cancellation.uid).toBe(invitation.uid);
		expect(cancellation.sequence).toBeGreaterThanOrEqual(invitation.sequence + 2);
		expect(mail.mail.subject).toBe('Incontro annullato: «Incontro da annullare», giovedì 1 aprile 2027');
		expect(mail.mail.text).toContain('Motivo: Sovrapposizione con il consiglio comunale');

		const refusal = (response: { status: number; body: { error?: { code: string } } }) => [response.status, response.body.error?.code];
		expect(refusal(await coordinator.patch(`/api/v1/meetings/${meetingId}`, { title: 'Ancora' }))).toEqual([409, 'meeting_cancelled']);
		expect(refusal(await coordinator.post(`/api/v1/meetings/${meetingId}/cancel`, {}))).toEqual([409, 'meeting_cancelled']);
		// A cancelled meeting never goes live, and its convocation is not sent again.
		expect(refusal(await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' }))).toEqual([409, 'meeting_cancelled']);
		expect(refusal(await coordinator.post(`/api/v1/meetings/${meetingId}/convocation/send`, {}))).toEqual([409, 'meeting_cancelled']);
		// Nothing moves in its room either: no poll is created there, whatever a client sends.
		const poll = { question: 'Si vota?', kind: 'yesno', options: [], anonymous: false, resultsVisible: 'live' };
		expect(refusal(await coordinator.post(`/api/v1/meetings/${meetingId}/polls`, poll))).toEqual([409, 'meeting_cancelled']);
		expect((await participant.get(`/api/v1/meetings/${meetingId}`)).body.status).toBe('cancelled');

		// No reminder for it, even in its last day.
		const deps = { db: app.context.db, mailer: app.context.mailer, logger: app.context.logger, baseUrl: app.origin };
		expect(await sendDueReminders(deps, new Date('2027-04-01T06:00:00Z'))).not.toContain(meetingId);

		const audit = await app.context.db
			.selectFrom('audit_events')
			.select('details')
			.where('subject_id', '=', meetingId)
			.where('action', '=', 'meeting.cancel')
			.execute();
		expect(audit).toHaveLength(1);
	});

	it('moves the reminder to the new day when the start moves', async () => {
		const meetingId = await schedule('Incontro spostato', '2027-05-10T15:00:00+02:00', '2027-05-10T17:00:00+02:00');
		// Only a convened meeting is reminded.
		await convene(meetingId);
		const deps = { db: app.context.db, mailer: app.context.mailer, logger: app.context.logger, baseUrl: app.origin };
		// The day before the first date: reminded, with the invitation as it was.
		expect(await sendDueReminders(deps, new Date('2027-05-10T08:00:00Z'))).toEqual([meetingId]);
		const before = smtp.mailsTo(participantEmail).length;
		await coordinator.patch(`/api/v1/meetings/${meetingId}`, {
			startsAt: '2027-05-17T15:00:00+02:00',
			endsAt: '2027-05-17T17:00:00+02:00'
		});
		const update = calendarOf(await smtp.nextMailTo(participantEmail, before));
		// Not the day before the old date any more; the day before the new one, once, at the new time.
		expect(await sendDueReminders(deps, new Date('2027-05-10T08:00:00Z'))).toEqual([]);
		expect(await sendDueReminders(deps, new Date('2027-05-17T08:00:00Z'))).toEqual([meetingId]);
		expect(await sendDueReminders(deps, new Date('2027-05-17T09:00:00Z'))).toEqual([]);
		const reminder = await smtp.nextMailTo(participantEmail, before + 1);
		expect(reminder.mail.subject).toContain('Promemoria');
		expect(reminder.mail.subject).toContain('15:00');
		const event = calendarOf(reminder);
		expect(event.start.toISOString()).toBe('2027-05-17T13:00:00.000Z');
		expect(event.sequence).toBe(update.sequence);
	});

	it('is for coordinators only, and checks the times', async () => {
		const meetingId = await schedule('Incontro protetto', '2027-06-01T10:00:00+02:00', '2027-06-01T12:00:00+02:00');
		// Refusals mail nobody (the participant and the coordinator were both convened elsewhere).
		const before = smtp.mailsTo(participantEmail).length + smtp.mailsTo('giulia@consorzio.example').length;
		expect((await participant.patch(`/api/v1/meetings/${meetingId}`, { title: 'Mio' })).status).toBe(403);
		expect((await participant.post(`/api/v1/meetings/${meetingId}/cancel`, {})).status).toBe(403);
		const outsider = new ApiClient(app.origin);
		await outsider.signUp('estraneo@example.org', 'Estraneo');
		expect((await outsider.patch(`/api/v1/meetings/${meetingId}`, { title: 'Mio' })).status).toBe(403);

		const invalid = async (body: unknown) => {
			const response = await coordinator.patch(`/api/v1/meetings/${meetingId}`, body);
			expect(response.status).toBe(400);
			expect(response.body.error.code).toBe('validation_failed');
			return response.body.error.fields;
		};
		// The end before the start, whether both are given or one moves past the other.
		expect(await invalid({ startsAt: '2027-06-01T12:00:00+02:00', endsAt: '2027-06-01T11:00:00+02:00' })).toHaveProperty('endsAt');
		expect(await invalid({ startsAt: '2027-06-01T13:00:00+02:00' })).toHaveProperty('endsAt');
		expect(await invalid({ endsAt: '2027-06-01T10:00:00+02:00' })).toHaveProperty('endsAt');
		expect(await invalid({ startsAt: 'domani' })).toHaveProperty('startsAt');
		expect(await invalid({ title: '' })).toHaveProperty('title');
		expect(await invalid({ videoUrl: 'javascript:alert(1)' })).toHaveProperty('videoUrl');
		expect(await invalid({ title: 42 })).toHaveProperty('title');
		// What no form sends: the status, the sequence or the table are not the PATCH's to change.
		const smuggled = await coordinator.patch(`/api/v1/meetings/${meetingId}`, {
			status: 'cancelled',
			calendarSequence: 99,
			tableId: 'altro'
		});
		expect(smuggled.body).toMatchObject({ status: 'planned', tableId, changed: [] });
		expect((await coordinator.patch(`/api/v1/meetings/${meetingId}`, ['title'])).status).toBe(400);

		const meeting = (await coordinator.get(`/api/v1/meetings/${meetingId}`)).body;
		expect(meeting).toMatchObject({ title: 'Incontro protetto', startsAt: '2027-06-01T08:00:00.000Z', status: 'planned' });
		expect(smtp.mailsTo(participantEmail).length + smtp.mailsTo('giulia@consorzio.example').length).toBe(before);
	});

	it('refuses changes to a closed meeting and the cancellation of a live one', async () => {
		const meetingId = await schedule('Incontro in corso', '2027-07-01T10:00:00+02:00', '2027-07-01T12:00:00+02:00');
		expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).status).toBe(200);
		const live = await coordinator.post(`/api/v1/meetings/${meetingId}/cancel`, {});
		expect([live.status, live.body.error.code]).toEqual([409, 'meeting_live']);
		// Under way, its end may still move.
		expect((await coordinator.patch(`/api/v1/meetings/${meetingId}`, { endsAt: '2027-07-01T12:30:00+02:00' })).status).toBe(200);

		expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'closed' })).status).toBe(200);
		const patch = await coordinator.patch(`/api/v1/meetings/${meetingId}`, { title: 'Riscritto' });
		expect([patch.status, patch.body.error.code]).toEqual([409, 'meeting_closed']);
		const cancel = await coordinator.post(`/api/v1/meetings/${meetingId}/cancel`, {});
		expect([cancel.status, cancel.body.error.code]).toEqual([409, 'meeting_closed']);
	});
});
