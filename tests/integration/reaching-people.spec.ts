import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ICAL from 'ical.js';
import type { AddressObject } from 'mailparser';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { linkIn, startSmtpInbox, type ReceivedMail, type SmtpInbox } from '../support/smtp-inbox.ts';
import { sendDueReminders } from '../../src/lib/server/convocation/service.ts';

/**
 * Issue 14, items 6 and 7: mails and calendar invitations that reach people, read back from a
 * real SMTP server (Reply-To the coordinator, SEQUENCE, OPT-PARTICIPANT for observers, lines
 * folded at 75 octets, parsed by ical.js; no reminder for a meeting never convened), invitations
 * mailed with a personal link that works when followed, and the CSV import of a list of people.
 */

const coordinatorEmail = 'giulia@consorzio.example';
const participantEmail = 'sindaca@comune.example';
const observerEmail = 'osservatore@regione.example';
const maxRows = 10;

/** The mail's text/calendar part: its raw text (folded as sent) and ical.js's reading of it. */
function calendarOf(entry: ReceivedMail) {
	const part = entry.mail.attachments.find((a) => a.contentType.startsWith('text/calendar'));
	if (!part) throw new Error(`no calendar in the mail "${entry.mail.subject}"`);
	const raw = part.content.toString('utf8');
	const calendar = new ICAL.Component(ICAL.parse(raw));
	const event = calendar.getFirstSubcomponent('vevent');
	if (!event) throw new Error('no VEVENT in the calendar');
	return { raw, calendar, event };
}

/** The Reply-To header's addresses (read from the headers: mailparser's replyTo is not set on every shape of mail). */
function replyToOf(entry: ReceivedMail): string[] {
	const replyTo = entry.mail.headers.get('reply-to') as AddressObject | undefined;
	return (replyTo?.value ?? []).map((a) => (a.address ?? '').toLowerCase());
}

describe('reaching people: mail, calendar, invitations, import', () => {
	let smtp: SmtpInbox;
	let app: TestApp;
	let coordinator: ApiClient;
	let participant: ApiClient;
	let tableId: string;

	async function schedule(title: string, startsAt: string, endsAt: string): Promise<string> {
		const created = await coordinator.post(`/api/v1/tables/${tableId}/meetings`, { title, startsAt, endsAt });
		expect(created.status).toBe(201);
		return created.body.id;
	}

	async function pendingInvitations() {
		const { status, body } = await coordinator.get(`/api/v1/tables/${tableId}/invitations`);
		expect(status).toBe(200);
		return body.invitations as Array<Record<string, any>>;
	}

	function importCsv(client: ApiClient, csv: string, dryRun: boolean, contentType = 'text/csv; charset=utf-8') {
		return client.request('POST', `/api/v1/tables/${tableId}/invitations/import${dryRun ? '?dryRun=1' : ''}`, csv, {
			'content-type': contentType
		});
	}

	beforeAll(async () => {
		smtp = await startSmtpInbox();
		app = await startTestApp({ SMTP_URL: smtp.url, TAVOLO_INVITATION_IMPORT_MAX_ROWS: String(maxRows) });
		coordinator = new ApiClient(app.origin);
		await coordinator.signUp(coordinatorEmail, 'Giulia Coordinatrice');
		tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
		participant = new ApiClient(app.origin);
		await participant.signUp(participantEmail, 'Anna Sindaca');
		await participant.joinTable(coordinator, tableId, { role: 'participant' });
		const observer = new ApiClient(app.origin);
		await observer.signUp(observerEmail, 'Oreste Osservatore');
		await observer.joinTable(coordinator, tableId, { role: 'observer' });
		// The sign-up confirmations go out after the answer: received first, so later counts hold.
		await Promise.all([coordinatorEmail, participantEmail, observerEmail].map((email) => smtp.nextMailTo(email, 0)));
	}, 60_000);

	afterAll(async () => {
		await app?.stop();
		await smtp?.close();
	});

	it('convenes with Reply-To the coordinator, a stable UID, a growing SEQUENCE, observers optional, lines of at most 75 octets', async () => {
		// Long and accented: ics folds by characters, so this line would pass 75 octets unfolded again.
		const title = 'Attività di co-progettazione: priorità, criticità e opportunità per l’area montana è più';
		const meetingId = await schedule(title, '2027-03-10T15:00:00+01:00', '2027-03-10T17:00:00+01:00');
		const [toParticipant, toObserver] = [smtp.mailsTo(participantEmail).length, smtp.mailsTo(observerEmail).length];
		const sent = await coordinator.post(`/api/v1/meetings/${meetingId}/convocation/send`, {});
		expect(sent.body).toMatchObject({ transport: 'smtp', total: 3, sent: 3, failed: [] });

		const participantMail = await smtp.nextMailTo(participantEmail, toParticipant);
		const observerMail = await smtp.nextMailTo(observerEmail, toObserver);
		for (const mail of [participantMail, observerMail]) {
			expect(replyToOf(mail)).toEqual([coordinatorEmail]);
			const { raw, event } = calendarOf(mail);
			for (const line of raw.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
			expect(raw.split('\r\n').some((line) => line.startsWith(' '))).toBe(true);
			expect(event.getFirstPropertyValue('summary')).toBe(title);
			expect(event.getFirstPropertyValue('sequence')).toBe(0);
			expect(event.getFirstPropertyValue('uid')).toBe(`meeting-${meetingId}@${new URL(app.origin).hostname}`);
		}
		const roleOf = (mail: ReceivedMail) => calendarOf(mail).event.getFirstProperty('attendee')?.getParameter('role');
		expect(roleOf(participantMail)).toBe('REQ-PARTICIPANT');
		expect(roleOf(observerMail)).toBe('OPT-PARTICIPANT');

		// A change: the same UID, SEQUENCE 1, Reply-To whoever made it, the observer still optional.
		expect(
			(
				await coordinator.patch(`/api/v1/meetings/${meetingId}`, {
					startsAt: '2027-03-11T15:00:00+01:00',
					endsAt: '2027-03-11T17:00:00+01:00'
				})
			).status
		).toBe(200);
		const update = await smtp.nextMailTo(observerEmail, toObserver + 1);
		expect(replyToOf(update)).toEqual([coordinatorEmail]);
		expect(calendarOf(update).event.getFirstPropertyValue('sequence')).toBe(1);
		expect(calendarOf(update).event.getFirstPropertyValue('uid')).toBe(calendarOf(observerMail).event.getFirstPropertyValue('uid'));
		expect(calendarOf(update).event.getFirstProperty('attendee')?.getParameter('role')).toBe('OPT-PARTICIPANT');

		// The cancellation: SEQUENCE 2.
		expect((await coordinator.post(`/api/v1/meetings/${meetingId}/cancel`, {})).status).toBe(200);
		const cancel = await smtp.nextMailTo(participantEmail, toParticipant + 2);
		expect(calendarOf(cancel).calendar.getFirstPropertyValue('method')).toBe('CANCEL');
		expect(calendarOf(cancel).event.getFirstPropertyValue('sequence')).toBe(2);
		expect(replyToOf(cancel)).toEqual([coordinatorEmail]);
	});

	it('reminds only meetings whose convocation was sent', async () => {
		const deps = { db: app.context.db, mailer: app.context.mailer, logger: app.context.logger, baseUrl: app.origin };
		const unsent = await schedule('Incontro mai convocato', '2027-05-10T15:00:00+02:00', '2027-05-10T17:00:00+02:00');
		const convened = await schedule('Incontro convocato', '2027-05-10T18:00:00+02:00', '2027-05-10T19:00:00+02:00');
		expect((await coordinator.post(`/api/v1/meetings/${convened}/convocation/send`, {})).body).toMatchObject({ failed: [] });
		const before = smtp.mailsTo(participantEmail).length;
		// The day before both: only the convened one is reminded, now or later.
		expect(await sendDueReminders(deps, new Date('2027-05-10T06:00:00Z'))).toEqual([convened]);
		expect(await sendDueReminders(deps, new Date('2027-05-10T07:00:00Z'))).toEqual([]);
		const reminders = smtp.mailsTo(participantEmail).slice(before);
		expect(reminders.map((r) => r.mail.subject)).toEqual([expect.stringContaining('Incontro convocato')]);
		expect(replyToOf(reminders[0])).toEqual([coordinatorEmail]);
		expect((await coordinator.get(`/api/v1/meetings/${unsent}/convocation`)).body.reminderSentAt).toBeNull();
	});

	it('mails an invitation with an address: the personal link, the table, the role, who invited, the expiry; followed by a new account, it joins the table', async () => {
		const email = 'nuova.assessora@comune.example';
		const created = await coordinator.post(`/api/v1/tables/${tableId}/invitations`, { role: 'observer', email, expiresInDays: 10 });
		expect(created.status).toBe(201);
		expect(created.body.mailStatus).toBe('sent');
		const mail = await smtp.nextMailTo(email, 0);
		expect(mail.mail.subject).toBe('Invito a partecipare: Tavolo Montagna');
		expect(replyToOf(mail)).toEqual([coordinatorEmail]);
		const text = mail.mail.text ?? '';
		expect(text).toContain('Giulia Coordinatrice la invita a partecipare a «Tavolo Montagna»');
		expect(text).toContain('con il ruolo di Osservatore');
		const expires = new Date(created.body.expiresAt);
		expect(text).toContain(
			`Il link scade il ${expires.toLocaleDateString('it-IT', { timeZone: 'Europe/Rome', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })}`
		);
		const link = linkIn(mail, `${app.origin}/invite/`);
		const token = link.pathname.split('/').at(-1)!;
		expect(link.toString()).toBe(created.body.url);

		// Listed as sent.
		const listed = (await pendingInvitations()).find((i) => i.id === created.body.id);
		expect(listed).toMatchObject({ email, mailStatus: 'sent', mailError: null });
		expect(listed?.mailedAt).toBeTruthy();

		// The person follows the link: a new account with that address, confirmed by its own mail, joins.
		const newcomer = new ApiClient(app.origin);
		expect((await newcomer.get(`/api/v1/invitations/${token}`)).body).toMatchObject({ state: 'valid', role: 'observer', emailBound: true });
		await newcomer.signUp(email, 'Nuova Assessora');
		const verification = linkIn(await smtp.nextMailTo(email, 1), `${app.origin}/verify-email?token=`).searchParams.get('token');
		expect((await newcomer.post('/api/v1/auth/verify-email', { token: verification })).status).toBe(200);
		const accepted = await newcomer.post(`/api/v1/invitations/${token}/accept`);
		expect(accepted.status).toBe(201);
		expect(accepted.body).toMatchObject({ tableId, role: 'observer', alreadyMember: false });
		expect((await newcomer.get(`/api/v1/tables/${tableId}`)).status).toBe(200);
	});

	it('keeps an invitation whose mail was refused, listed as not sent, and sends it again with a new link', async () => {
		const email = 'casella.piena@comune.example';
		smtp.refused.add(email);
		const created = await coordinator.post(`/api/v1/tables/${tableId}/invitations`, { role: 'participant', email });
		expect(created.status).toBe(201);
		expect(created.body.mailStatus).toBe('failed');
		const listed = (await pendingInvitations()).find((i) => i.id === created.body.id);
		expect(listed).toMatchObject({ email, mailStatus: 'failed', mailedAt: null });
		expect(listed?.mailError).toMatch(/550|Mailbox unavailable/);

		smtp.refused.delete(email);
		const resent = await coordinator.post(`/api/v1/tables/${tableId}/invitations/${created.body.id}/send`, {});
		expect(resent.status).toBe(200);
		expect(resent.body.mailStatus).toBe('sent');
		const mail = await smtp.nextMailTo(email, 0);
		const link = linkIn(mail, `${app.origin}/invite/`);
		expect(link.toString()).not.toBe(created.body.url);
		expect((await new ApiClient(app.origin).get(new URL(link).pathname.replace('/invite/', '/api/v1/invitations/'))).body.state).toBe(
			'valid'
		);
		// The link shown at creation no longer works: one link per person.
		expect((await new ApiClient(app.origin).get(`/api/v1/invitations/${created.body.token}`)).status).toBe(404);
		expect((await pendingInvitations()).find((i) => i.id === created.body.id)).toMatchObject({ mailStatus: 'sent', mailError: null });
		// Only the coordinators send invitations again.
		expect((await participant.post(`/api/v1/tables/${tableId}/invitations/${created.body.id}/send`, {})).status).toBe(403);
	});

	it('checks a list in a dry run: every line error, nothing created, nothing mailed', async () => {
		const invitedBefore = (await pendingInvitations()).length;
		const mailsBefore = smtp.received.length;
		// As LibreOffice exports it in an Italian locale: a byte order mark, semicolons, CRLF.
		const csv = [
			'\uFEFFname;email;role;category;representedBody',
			'Marco Sindaco;marco@comune.example;partecipante;Sindaci dei Comuni;Comune di Abetone',
			'Senza Chiocciola;indirizzo-sbagliato;participant;;',
			'Ruolo Strano;strano@comune.example;presidente;;',
			'Categoria Strana;categoria@comune.example;observer;Astronauti;',
			'Marco Di Nuovo;MARCO@comune.example;observer;;',
			`Anna Sindaca;${participantEmail};participant;;`,
			'Già Invitata;nuova.assessora@comune.example;participant;;',
			'Casella;casella.piena@comune.example;participant;;'
		].join('\r\n');
		const { status, body } = await importCsv(coordinator, csv, true);
		expect(status).toBe(200);
		expect(body).toMatchObject({ dryRun: true, created: 0, valid: 1 });
		expect(body.errors).toEqual([
			{ line: 3, message: 'Indirizzo email non valido: «indirizzo-sbagliato».' },
			{ line: 4, message: expect.stringContaining('Ruolo sconosciuto «presidente»') },
			{ line: 5, message: 'Categoria sconosciuta «Astronauti» per questo tavolo.' },
			{ line: 6, message: 'marco@comune.example compare già alla riga 2.' },
			{ line: 7, message: `${participantEmail} fa già parte del tavolo.` },
			// Accepted above: a member now.
			{ line: 8, message: 'nuova.assessora@comune.example fa già parte del tavolo.' },
			{ line: 9, message: 'casella.piena@comune.example ha già un invito in attesa.' }
		]);
		expect(await pendingInvitations()).toHaveLength(invitedBefore);
		expect(smtp.received.length).toBe(mailsBefore);

		// The same list for real: all or nothing, so nothing.
		const real = await importCsv(coordinator, csv, false);
		expect(real.status).toBe(400);
		expect(real.body).toMatchObject({ error: { code: 'import_invalid' }, created: 0 });
		expect(real.body.errors).toHaveLength(7);
		expect(await pendingInvitations()).toHaveLength(invitedBefore);
		expect(smtp.received.length).toBe(mailsBefore);
	});

	it('imports a list: creates and mails one personal invitation per row, which joins with the role, category and body', async () => {
		const invitedBefore = (await pendingInvitations()).length;
		// Commas this time, a quoted field holding a comma and doubled quotes, LF line ends, a blank row.
		const csv = [
			'nome,email,ruolo,categoria,ente',
			'Lucia Preside,preside@scuola.example,participant,school_heads,"Istituto ""Ferrucci"", Pescia"',
			',,,,',
			'Paolo Ufficio,ufficio@unione.example,,,'
		].join('\n');
		const dry = await importCsv(coordinator, csv, true);
		expect(dry.body).toMatchObject({ created: 0, valid: 2, errors: [] });
		const { status, body } = await importCsv(coordinator, csv, false);
		expect(status).toBe(201);
		expect(body).toMatchObject({ dryRun: false, created: 2, errors: [] });
		expect(body.invitations.map((i: { line: number; mailStatus: string }) => [i.line, i.mailStatus])).toEqual([
			[2, 'sent'],
			[4, 'sent']
		]);
		const pending = await pendingInvitations();
		expect(pending).toHaveLength(invitedBefore + 2);
		const preside = pending.find((i) => i.email === 'preside@scuola.example');
		expect(preside).toMatchObject({
			name: 'Lucia Preside',
			role: 'participant',
			representedBody: 'Istituto "Ferrucci", Pescia',
			mailStatus: 'sent'
		});
		// An empty role is a participant.
		expect(pending.find((i) => i.email === 'ufficio@unione.example')).toMatchObject({ role: 'participant', categoryId: null });

		const mail = await smtp.nextMailTo('preside@scuola.example', 0);
		expect(mail.mail.text).toContain('Gentile Lucia Preside,');
		expect(replyToOf(mail)).toEqual([coordinatorEmail]);
		const token = linkIn(mail, `${app.origin}/invite/`).pathname.split('/').at(-1)!;
		const preside2 = new ApiClient(app.origin);
		await preside2.signUp('preside@scuola.example', 'Lucia Preside');
		const verification = linkIn(await smtp.nextMailTo('preside@scuola.example', 1), `${app.origin}/verify-email?token=`).searchParams.get(
			'token'
		);
		await preside2.post('/api/v1/auth/verify-email', { token: verification });
		expect((await preside2.post(`/api/v1/invitations/${token}/accept`)).status).toBe(201);
		const table = (await coordinator.get(`/api/v1/tables/${tableId}`)).body;
		const member = table.members.find((mb: { email?: string; name: string }) => mb.name === 'Lucia Preside');
		const schools = table.categories.find((c: { key: string }) => c.key === 'school_heads').id;
		expect(member).toMatchObject({ role: 'participant', categoryId: schools, representedBody: 'Istituto "Ferrucci", Pescia' });
	});

	it('refuses a list it cannot read with the line at fault, creating nothing', async () => {
		const invitedBefore = (await pendingInvitations()).length;
		const unclosed = [
			'name;email;role',
			'Uno;uno@comune.example;participant',
			'"Due;due@comune.example;participant',
			'Tre;tre@comune.example;participant'
		].join('\n');
		for (const dryRun of [true, false]) {
			const { status, body } = await importCsv(coordinator, unclosed, dryRun);
			expect(status).toBe(400);
			expect(body).toMatchObject({ error: { code: 'import_invalid' }, created: 0 });
			expect(body.errors).toEqual([{ line: 3, message: 'Una virgoletta aperta su questa riga non viene mai chiusa.' }]);
		}

		const badHeader = await importCsv(coordinator, 'nome;posta;ruolo\nUno;uno@comune.example;participant', false);
		expect(badHeader.status).toBe(400);
		expect(badHeader.body.errors.map((e: { line: number }) => e.line)).toEqual([1, 1]);

		// Windows-1252 (è is 0xE8): not UTF-8, refused on the line where it is.
		const latin1 = Buffer.concat([
			Buffer.from('name;email\nUno;uno@comune.example\nPerè;'),
			Buffer.from([0xe8]),
			Buffer.from('@x.example\n')
		]);
		const response = await fetch(`${app.origin}/api/v1/tables/${tableId}/invitations/import?dryRun=1`, {
			method: 'POST',
			headers: { origin: app.origin, cookie: coordinator.sessionCookie, 'content-type': 'text/csv' },
			body: latin1
		});
		expect(response.status).toBe(400);
		expect((await response.json()).errors).toEqual([{ line: 3, message: expect.stringContaining('UTF-8') }]);

		const rows = ['name;email', ...Array.from({ length: maxRows + 1 }, (_, i) => `Persona ${i};persona${i}@comune.example`)].join('\n');
		const tooMany = await importCsv(coordinator, rows, false);
		expect(tooMany.status).toBe(400);
		expect(tooMany.body.errors).toEqual([{ line: maxRows + 2, message: expect.stringContaining(`al massimo ${maxRows} persone`) }]);

		expect((await importCsv(coordinator, '{"name": "x"}', false, 'application/json')).status).toBe(400);
		expect(await pendingInvitations()).toHaveLength(invitedBefore);
	});

	it('is for coordinators only', async () => {
		const invitedBefore = (await pendingInvitations()).length;
		const csv = 'name;email;role\nIntruso;intruso@comune.example;coordinator';
		for (const dryRun of [true, false]) {
			const { status, body } = await importCsv(participant, csv, dryRun);
			expect(status).toBe(403);
			expect(body.error.code).toBe('forbidden');
		}
		expect((await importCsv(new ApiClient(app.origin), csv, false)).status).toBe(401);
		expect(await pendingInvitations()).toHaveLength(invitedBefore);
		expect(smtp.mailsTo('intruso@comune.example')).toHaveLength(0);
	});
});
