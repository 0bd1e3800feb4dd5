import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { startSmtpInbox, type SmtpInbox } from '../support/smtp-inbox.ts';
import { connectSocket, record, type ClientSocket } from '../support/socket-test-client.ts';
import { sendNotificationDigests } from '../../src/lib/server/notifications/service.ts';
import type { NotificationList, NotificationView } from '../../src/lib/domain/notifications.ts';

/**
 * Issue 14, item 8: notifications in the app and by e-mail over a real SMTP server. Each kind
 * reaches exactly the members allowed to see its subject and never the one who acted; mails go
 * out at once, in the daily digest or not at all as each person chose; a convocation's own
 * letter is not followed by a second mail; reading is per person (someone else's ids change
 * nothing, two sessions marking at once count each notification once); the bell's count reaches
 * open tabs over socket.io.
 */

const password = 'password-sicura-1';
const people = {
	giulia: { email: 'giulia@consorzio.example', name: 'Giulia Coordinatrice' },
	carlo: { email: 'carlo@consorzio.example', name: 'Carlo Coordinatore' },
	dora: { email: 'dora@consorzio.example', name: 'Dora Coordinatrice' },
	anna: { email: 'anna@comune.example', name: 'Anna Sindaca' },
	oreste: { email: 'oreste@regione.example', name: 'Oreste Osservatore' },
	pietro: { email: 'pietro@cooperativa.example', name: 'Pietro Partecipante' },
	xavier: { email: 'xavier@altrove.example', name: 'Xavier Estraneo' },
	nadia: { email: 'nadia@associazione.example', name: 'Nadia Nuova' }
} as const;
type Name = keyof typeof people;

/** A base64 Yjs relative position, as the editor encodes a comment's anchor. */
function encodedPosition(): string {
	const doc = new Y.Doc();
	const fragment = doc.getXmlFragment('draft');
	return Buffer.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(fragment, 0))).toString('base64');
}

describe('notifications: in the app and by e-mail', () => {
	let smtp: SmtpInbox;
	let app: TestApp;
	const client = {} as Record<Name, ApiClient>;
	const ids = {} as Record<Name, string>;
	let tableId: string;
	let otherTableId: string;
	let documentId: string;

	const list = async (name: Name): Promise<NotificationList> => {
		const { status, body } = await client[name].get('/api/v1/notifications');
		expect(status).toBe(200);
		return body as NotificationList;
	};
	const ofKind = async (name: Name, kind: string, subjectId: string): Promise<NotificationView[]> =>
		(await list(name)).notifications.filter((n) => n.kind === kind && n.subjectId === subjectId);
	const mails = (name: Name) => smtp.mailsTo(people[name].email);

	beforeAll(async () => {
		smtp = await startSmtpInbox();
		app = await startTestApp({ SMTP_URL: smtp.url });
		for (const name of Object.keys(people) as Name[]) {
			client[name] = new ApiClient(app.origin);
			ids[name] = (await client[name].signUp(people[name].email, people[name].name, password)).id;
		}
		// Sign-up confirmations go out after the answer: received first, so later counts hold.
		await Promise.all(Object.values(people).map((p) => smtp.nextMailTo(p.email, 0)));
		tableId = (await client.giulia.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
		// Xavier coordinates another table only: nothing of Tavolo Montagna is his to hear.
		otherTableId = (await client.giulia.post('/api/v1/tables', { name: 'Tavolo Altrove', territory: 'Altrove' })).body.id;
		expect(otherTableId).toBeTruthy();
		await client.xavier.joinTable(client.giulia, otherTableId, { role: 'coordinator' });
		// Preferences before anything happens: Carlo a daily digest, Pietro no e-mail.
		expect((await client.carlo.put('/api/v1/notifications/settings', { emailMode: 'digest' })).body).toMatchObject({ emailMode: 'digest' });
		expect((await client.pietro.put('/api/v1/notifications/settings', { emailMode: 'none' })).body.emailMode).toBe('none');
		await client.carlo.joinTable(client.giulia, tableId, { role: 'coordinator' });
		await client.dora.joinTable(client.giulia, tableId, { role: 'coordinator' });
		await client.anna.joinTable(client.giulia, tableId, { role: 'participant' });
		await client.oreste.joinTable(client.giulia, tableId, { role: 'observer' });
		await client.pietro.joinTable(client.giulia, tableId, { role: 'participant' });
		documentId = (await client.giulia.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title: 'Protocollo acque' })).body.id;
	}, 90_000);

	afterAll(async () => {
		await app?.stop();
		await smtp?.close();
	});

	it('refuses the API to a visitor without a session and a preference that is not one of the three', async () => {
		const visitor = new ApiClient(app.origin);
		const anonymous = await visitor.get('/api/v1/notifications');
		expect(anonymous.status).toBe(401);
		expect((await visitor.post('/api/v1/notifications/read', {})).status).toBe(401);
		const bad = await client.anna.put('/api/v1/notifications/settings', { emailMode: 'sempre' });
		expect(bad.status).toBe(400);
		expect(bad.body.error).toMatchObject({ code: 'validation_failed' });
		expect((await client.anna.get('/api/v1/notifications/settings')).body.emailMode).toBe('immediate');
	});

	it('tells the coordinators, and nobody else, that someone accepted an invitation', async () => {
		const before = { giulia: mails('giulia').length, dora: mails('dora').length, carlo: mails('carlo').length };
		await client.nadia.joinTable(client.giulia, tableId, { role: 'participant' });
		for (const coordinator of ['giulia', 'carlo', 'dora'] as const) {
			const [notification] = await ofKind(coordinator, 'invitation_accepted', tableId);
			expect(notification).toMatchObject({ href: `/tables/${tableId}`, readAt: null });
			expect(notification.payload).toMatchObject({ actorName: people.nadia.name, tableTitle: 'Tavolo Montagna' });
		}
		expect(await ofKind('anna', 'invitation_accepted', tableId)).toHaveLength(0);
		expect((await list('nadia')).notifications).toHaveLength(0);
		// Immediate for Giulia and Dora; Carlo waits for his digest. Mails are sent before the answer.
		const mail = await smtp.nextMailTo(people.giulia.email, before.giulia);
		expect(mail.mail.subject).toContain(people.nadia.name);
		expect(mail.mail.text).toContain(`${app.origin}/tables/${tableId}`);
		expect(mail.mail.text).toContain(`${app.origin}/account`);
		await smtp.nextMailTo(people.dora.email, before.dora);
		expect(mails('carlo')).toHaveLength(before.carlo);
	});

	it('tells the members mentioned in a comment, never its author, with the words and a link', async () => {
		const before = { giulia: mails('giulia').length, oreste: mails('oreste').length, anna: mails('anna').length };
		const position = encodedPosition();
		const comment = await client.anna.post(`/api/v1/documents/${documentId}/comments`, {
			body: 'Giulia, Oreste: controllate il punto sulle sorgenti di montagna.',
			anchor: { from: position, to: position, quote: 'sorgenti' },
			mentions: [ids.giulia, ids.oreste, ids.anna]
		});
		expect(comment.status).toBe(201);
		for (const mentioned of ['giulia', 'oreste'] as const) {
			const [notification] = await ofKind(mentioned, 'mention', documentId);
			expect(notification.payload).toMatchObject({ actorName: people.anna.name, title: 'Protocollo acque' });
			expect(notification.payload.excerpt).toContain('sorgenti di montagna');
			expect(notification.href).toBe(`/documents/${documentId}`);
		}
		expect(await ofKind('anna', 'mention', documentId)).toHaveLength(0);
		expect(await ofKind('dora', 'mention', documentId)).toHaveLength(0);
		const mail = await smtp.nextMailTo(people.oreste.email, before.oreste);
		expect(mail.mail.subject).toContain('ti ha menzionato');
		expect(mail.mail.text).toContain('sorgenti di montagna');
		expect(mail.mail.text).toContain(`${app.origin}/documents/${documentId}`);
		await smtp.nextMailTo(people.giulia.email, before.giulia);
		expect(mails('anna')).toHaveLength(before.anna);

		// Someone outside the table cannot be mentioned: refused, and nobody is told anything.
		const outsider = await client.anna.post(`/api/v1/documents/${documentId}/comments`, {
			body: 'E anche Xavier',
			anchor: { from: position, to: position, quote: '' },
			mentions: [ids.xavier]
		});
		expect(outsider.status).toBe(400);
		expect((await list('xavier')).notifications).toHaveLength(0);
	});

	it('tells the coordinators of a document sent to review, then everyone that it is final', async () => {
		const before = { dora: mails('dora').length, anna: mails('anna').length, pietro: mails('pietro').length, carlo: mails('carlo').length };
		expect((await client.giulia.post(`/api/v1/documents/${documentId}/status`, { status: 'in_review' })).status).toBe(200);
		expect(await ofKind('dora', 'document_review', documentId)).toHaveLength(1);
		expect(await ofKind('carlo', 'document_review', documentId)).toHaveLength(1);
		expect(await ofKind('giulia', 'document_review', documentId)).toHaveLength(0);
		expect(await ofKind('anna', 'document_review', documentId)).toHaveLength(0);
		const review = await smtp.nextMailTo(people.dora.email, before.dora);
		expect(review.mail.subject).toContain('in revisione');
		expect(review.mail.subject).toContain('Protocollo acque');
		expect(mails('anna')).toHaveLength(before.anna);

		expect((await client.giulia.post(`/api/v1/documents/${documentId}/status`, { status: 'final' })).status).toBe(200);
		for (const member of ['carlo', 'dora', 'anna', 'oreste', 'pietro', 'nadia'] as const) {
			expect(await ofKind(member, 'document_final', documentId)).toHaveLength(1);
		}
		expect(await ofKind('giulia', 'document_final', documentId)).toHaveLength(0);
		const final = await smtp.nextMailTo(people.anna.email, before.anna);
		expect(final.mail.subject).toContain('definitivo');
		// Pietro chose no e-mail; Carlo's wait for the digest.
		expect(mails('pietro')).toHaveLength(before.pietro);
		expect(mails('carlo')).toHaveLength(before.carlo);
	});

	it('tells the members of a convened, changed, cancelled meeting in the app, its own mails being their only ones', async () => {
		const meetingId = (
			await client.giulia.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Incontro di primavera',
				startsAt: '2027-04-10T15:00:00+02:00',
				endsAt: '2027-04-10T17:00:00+02:00'
			})
		).body.id as string;
		const before = { anna: mails('anna').length, pietro: mails('pietro').length };
		const sent = await client.giulia.post(`/api/v1/meetings/${meetingId}/convocation/send`, {});
		expect(sent.status).toBe(200);
		expect(sent.body.failed).toEqual([]);
		for (const member of ['carlo', 'dora', 'anna', 'oreste', 'pietro', 'nadia'] as const) {
			const [notification] = await ofKind(member, 'meeting_convened', meetingId);
			expect(notification).toMatchObject({ href: `/meetings/${meetingId}` });
			expect(notification.payload).toMatchObject({ title: 'Incontro di primavera', startsAt: '2027-04-10T13:00:00.000Z' });
		}
		expect(await ofKind('giulia', 'meeting_convened', meetingId)).toHaveLength(0);
		// The letter (with its calendar invitation) reached Anna and Pietro: one mail each, not two.
		const letter = await smtp.nextMailTo(people.anna.email, before.anna);
		expect(letter.mail.attachments.some((a) => a.contentType.startsWith('text/calendar'))).toBe(true);
		expect(mails('anna')).toHaveLength(before.anna + 1);
		expect(mails('pietro')).toHaveLength(before.pietro + 1);

		// Changed: the change mail is theirs; the app says so too.
		const beforeChange = mails('anna').length;
		const patched = await client.giulia.patch(`/api/v1/meetings/${meetingId}`, {
			startsAt: '2027-04-11T15:00:00+02:00',
			endsAt: '2027-04-11T17:00:00+02:00'
		});
		expect(patched.status).toBe(200);
		const [changed] = await ofKind('anna', 'meeting_changed', meetingId);
		expect(changed.payload.startsAt).toBe('2027-04-11T13:00:00.000Z');
		expect(await ofKind('giulia', 'meeting_changed', meetingId)).toHaveLength(0);
		await smtp.nextMailTo(people.anna.email, beforeChange);
		expect(mails('anna')).toHaveLength(beforeChange + 1);

		// Cancelled, with its reason.
		const beforeCancel = mails('anna').length;
		expect((await client.giulia.post(`/api/v1/meetings/${meetingId}/cancel`, { reason: 'Neve sui passi' })).status).toBe(200);
		const [cancelled] = await ofKind('oreste', 'meeting_cancelled', meetingId);
		expect(cancelled.payload).toMatchObject({ title: 'Incontro di primavera', reason: 'Neve sui passi' });
		await smtp.nextMailTo(people.anna.email, beforeCancel);
		expect(mails('anna')).toHaveLength(beforeCancel + 1);
	});

	it('tells the members in the app of a meeting cancelled before anyone was convened, and mails nobody', async () => {
		const meetingId = (
			await client.giulia.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Sopralluogo',
				startsAt: '2027-05-02T09:00:00+02:00',
				endsAt: '2027-05-02T11:00:00+02:00'
			})
		).body.id as string;
		const before = smtp.received.length;
		expect((await client.giulia.post(`/api/v1/meetings/${meetingId}/cancel`, {})).status).toBe(200);
		const [cancelled] = await ofKind('anna', 'meeting_cancelled', meetingId);
		expect(cancelled).toMatchObject({ href: `/meetings/${meetingId}`, readAt: null });
		expect(cancelled.payload).toMatchObject({ title: 'Sopralluogo', actorName: people.giulia.name });
		expect(await ofKind('giulia', 'meeting_cancelled', meetingId)).toHaveLength(0);
		// Mails are sent before the answer: none went out, and the digest will not list it either.
		expect(smtp.received.length).toBe(before);
	});

	it('never tells anything to someone outside the table', async () => {
		expect((await list('xavier')).notifications).toHaveLength(0);
		expect((await list('xavier')).unread).toBe(0);
		// Giulia, coordinator of both, heard of him joining the other table.
		expect(await ofKind('giulia', 'invitation_accepted', otherTableId)).toHaveLength(1);
	});

	it('marks read only the caller’s own notifications; someone else’s ids change nothing', async () => {
		const anna = await list('anna');
		expect(anna.unread).toBeGreaterThanOrEqual(4);
		expect(anna.unread).toBe(anna.notifications.filter((n) => n.readAt === null).length);
		const annaIds = anna.notifications.map((n) => n.id);

		// Xavier names Anna's ids: 200, nothing marked, Anna's count untouched.
		const foreign = await client.xavier.post('/api/v1/notifications/read', { ids: annaIds });
		expect(foreign.status).toBe(200);
		expect(foreign.body).toEqual({ marked: 0, unread: 0 });
		expect((await list('anna')).unread).toBe(anna.unread);
		// Giulia marking everything of hers does not touch Anna's.
		expect((await client.giulia.post('/api/v1/notifications/read', {})).status).toBe(200);
		expect((await list('anna')).unread).toBe(anna.unread);

		// Bad input: refused with the catalogue's message, nothing changes.
		for (const body of [{ ids: 'tutte' }, { ids: [] }, { ids: [42] }, { ids: Array.from({ length: 1001 }, (_, i) => `id${i}`) }, [1, 2]]) {
			const refused = await client.anna.post('/api/v1/notifications/read', body);
			expect(refused.status).toBe(400);
			expect(refused.body.error.code).toBe('validation_failed');
			expect(refused.body.error.message).toMatch(/\S/);
		}
		expect((await list('anna')).unread).toBe(anna.unread);

		// One of hers: marked once; again: nothing more.
		const first = await client.anna.post('/api/v1/notifications/read', { ids: [annaIds[0]] });
		expect(first.body).toEqual({ marked: 1, unread: anna.unread - 1 });
		expect((await client.anna.post('/api/v1/notifications/read', { ids: [annaIds[0]] })).body).toEqual({
			marked: 0,
			unread: anna.unread - 1
		});
		const after = await list('anna');
		expect(after.notifications.find((n) => n.id === annaIds[0])?.readAt).not.toBeNull();
		expect(after.notifications.filter((n) => n.readAt === null)).toHaveLength(anna.unread - 1);
	});

	it('counts each notification once when two sessions of one person mark all at once', async () => {
		const second = new ApiClient(app.origin);
		expect((await second.post('/api/v1/auth/login', { email: people.dora.email, password })).status).toBe(200);
		const unread = (await list('dora')).unread;
		expect(unread).toBeGreaterThanOrEqual(3);
		const [a, b] = await Promise.all([client.dora.post('/api/v1/notifications/read', {}), second.post('/api/v1/notifications/read', {})]);
		expect([a.status, b.status]).toEqual([200, 200]);
		expect(a.body.marked + b.body.marked).toBe(unread);
		expect(a.body.unread).toBe(0);
		expect(b.body.unread).toBe(0);
		expect((await second.get('/api/v1/notifications')).body.unread).toBe(0);
	});

	it('sends the daily digest once, listing what waited, to those who chose it', async () => {
		const deps = { db: app.context.db, mailer: app.context.mailer, logger: app.context.logger, baseUrl: app.origin };
		const before = { carlo: mails('carlo').length, pietro: mails('pietro').length, anna: mails('anna').length };
		// Past the next 08:00 (Rome) whatever the time now, daylight-saving days included.
		const tomorrow = new Date(Date.now() + 30 * 60 * 60 * 1000);
		const mailed = await sendNotificationDigests(deps, { hour: 8, now: tomorrow });
		expect(mailed).toEqual([ids.carlo]);
		const digest = await smtp.nextMailTo(people.carlo.email, before.carlo);
		expect(digest.mail.subject).toContain('riepilogo');
		const text = digest.mail.text ?? '';
		expect(text).toContain(`${people.nadia.name} ha accettato l'invito`);
		expect(text).toContain(`ha inviato in revisione «Protocollo acque»`);
		expect(text).toContain(`«Protocollo acque» è ora definitivo`);
		expect(text).toContain(`${app.origin}/documents/${documentId}`);
		expect(text).toContain(`${app.origin}/notifiche`);
		// Meetings reach him by their own mails (the letter, the change, the cancellation): not listed.
		expect(text).not.toContain('ha convocato');
		expect(text).not.toContain('annullato');
		// A second run the same day sends nothing, and nobody else got a digest.
		expect(await sendNotificationDigests(deps, { hour: 8, now: tomorrow })).toEqual([]);
		expect(mails('carlo')).toHaveLength(before.carlo + 1);
		expect(mails('pietro')).toHaveLength(before.pietro);
		expect(mails('anna')).toHaveLength(before.anna);
		// In the app nothing changed: still there, still unread.
		expect((await list('carlo')).unread).toBeGreaterThanOrEqual(4);
	});

	it('tells every open tab of a person their new count, and only theirs', async () => {
		const annaSocket: ClientSocket = await connectSocket(app.origin, client.anna.sessionCookie);
		const xavierSocket: ClientSocket = await connectSocket(app.origin, client.xavier.sessionCookie);
		try {
			const annaHeard = record(annaSocket, 'notifications:changed');
			const xavierHeard = record(xavierSocket, 'notifications:changed');
			const unread = (await list('anna')).unread;
			const doc = (await client.giulia.post(`/api/v1/tables/${tableId}/documents`, { kind: 'guideline', title: 'Linee guida' })).body.id;
			expect((await client.giulia.post(`/api/v1/documents/${doc}/status`, { status: 'in_review' })).status).toBe(200);
			expect((await client.giulia.post(`/api/v1/documents/${doc}/status`, { status: 'final' })).status).toBe(200);
			await expect.poll(() => annaHeard.at(-1)?.unread).toBe(unread + 1);
			// Marked read in another session: the tab hears the count fall.
			expect((await client.anna.post('/api/v1/notifications/read', {})).status).toBe(200);
			await expect.poll(() => annaHeard.at(-1)?.unread).toBe(0);
			expect(xavierHeard).toEqual([]);
		} finally {
			annaSocket.close();
			xavierSocket.close();
		}
	});
});
