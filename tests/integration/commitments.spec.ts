import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { meetingWithPeople, type MeetingPeople } from '../support/meeting-people.ts';
import { startSmtpInbox, type SmtpInbox } from '../support/smtp-inbox.ts';
import { sendCommitmentReminders } from '../../src/lib/server/commitments/reminders.ts';
import { loadDocumentState } from '../../src/lib/server/documents/yjs-state.ts';
import { readAgenda } from '../../src/lib/agenda/agenda-doc.ts';
import { agendaDocName } from '../../src/lib/realtime/doc-names.ts';
import { addDays } from '../../src/lib/domain/commitments.ts';
import { romeToday } from '../../src/lib/server/commitments/service.ts';

/**
 * Issue 15, item 5: commitments ("who does what by when") recorded from the live room, listed on
 * the table, marked by their owner or a coordinator (the server refuses anyone else), checked on
 * the next meeting's agenda, written into the minutes, and reminded by e-mail over real SMTP.
 */
let inbox: SmtpInbox;
let app: TestApp;
let people: MeetingPeople;
let tableId: string;
let meetingId: string;
let ids: Record<'anna' | 'marta' | 'bruno' | 'carlo', string>;
let carlo: ApiClient;
let outsider: ApiClient;
const today = romeToday();
const limit = 6;

beforeAll(async () => {
	inbox = await startSmtpInbox();
	app = await startTestApp({ SMTP_URL: inbox.url, TAVOLO_COMMITMENTS_PER_MEETING: String(limit) });
	({ people, tableId, meetingId } = await meetingWithPeople(app, {
		table: 'Tavolo della Piana',
		territory: 'Piana',
		title: 'Secondo incontro',
		startsAt: '2027-04-01T15:00:00+02:00',
		endsAt: '2027-04-01T17:00:00+02:00'
	}));
	carlo = new ApiClient(app.origin);
	await carlo.signUp('carlo@scuola.example', 'Carlo Preside');
	await carlo.joinTable(people.anna, tableId, { role: 'participant' });
	outsider = new ApiClient(app.origin);
	await outsider.signUp('esterno@altrove.example', 'Esterno');
	const idOf = async (client: ApiClient) => (await client.get('/api/v1/me')).body.user.id as string;
	ids = { anna: await idOf(people.anna), marta: await idOf(people.marta), bruno: await idOf(people.bruno), carlo: await idOf(carlo) };
	// The coordinator records the body Carlo represents, as on the table page.
	const members = (await people.anna.get(`/api/v1/tables/${tableId}`)).body.members as Array<{ userId: string; membershipId: string }>;
	const membership = members.find((member) => member.userId === ids.carlo)!.membershipId;
	const body = { role: 'participant', representedBody: 'Istituto Comprensivo Piana' };
	expect((await people.anna.patch(`/api/v1/tables/${tableId}/members/${membership}`, body)).status).toBe(200);
	expect((await people.marta.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).status).toBe(200);
});

afterAll(async () => {
	await app?.stop();
	await inbox?.close();
});

const record = (client: ApiClient, body: Record<string, unknown>, meeting = meetingId) =>
	client.post(`/api/v1/meetings/${meeting}/commitments`, body);
const listAll = async () => (await people.anna.get(`/api/v1/tables/${tableId}/commitments`)).body.commitments as Array<Record<string, any>>;

describe('commitments', () => {
	it('are recorded in the room by those who run it, owned by a member or a body; every bad input is refused and changes nothing', async () => {
		const byMember = await record(people.marta, {
			title: 'Inviare i dati delle iscrizioni',
			ownerUserId: ids.bruno,
			dueOn: addDays(today, 20)
		});
		expect(byMember.status).toBe(201);
		expect(byMember.body).toMatchObject({
			tableId,
			meetingId,
			title: 'Inviare i dati delle iscrizioni',
			owner: { userId: ids.bruno, name: 'Bruno Sindaco' },
			dueOn: addDays(today, 20),
			status: 'open'
		});
		const byBody = await record(people.anna, {
			title: 'Mappare i servizi di mediazione',
			ownerBody: 'ASL Piana',
			dueOn: addDays(today, 30)
		});
		expect(byBody.status).toBe(201);
		expect(byBody.body.owner).toEqual({ userId: null, name: '', body: 'ASL Piana' });

		const before = await listAll();
		const participant = await record(people.bruno, { title: 'Io decido', ownerBody: 'Comune', dueOn: addDays(today, 5) });
		expect(participant.status).toBe(403);
		expect(participant.body.error).toEqual({ code: 'forbidden', message: expect.any(String) });
		expect((await record(outsider, { title: 'Da fuori', ownerBody: 'Comune', dueOn: addDays(today, 5) })).status).toBe(403);
		const bad: Array<[Record<string, unknown>, string]> = [
			[{ title: 'Due responsabili', ownerUserId: ids.bruno, ownerBody: 'Comune', dueOn: addDays(today, 5) }, 'ownerUserId'],
			[{ title: 'Nessun responsabile', dueOn: addDays(today, 5) }, 'ownerUserId'],
			[{ title: 'Data impossibile', ownerBody: 'Comune', dueOn: '2027-02-30' }, 'dueOn'],
			[{ title: 'Data passata', ownerBody: 'Comune', dueOn: '2020-01-01' }, 'dueOn'],
			[{ title: 'Responsabile estraneo', ownerUserId: 'nessuno', dueOn: addDays(today, 5) }, 'ownerUserId'],
			[{ title: '', ownerBody: 'Comune', dueOn: addDays(today, 5) }, 'title'],
			[{ title: 'x'.repeat(301), ownerBody: 'Comune', dueOn: addDays(today, 5) }, 'title'],
			[{ title: 'Voto di un altro incontro', ownerBody: 'Comune', dueOn: addDays(today, 5), pollId: 'inesistente' }, 'pollId'],
			[{ title: 'Controllo\u0007', ownerBody: 'Comune', dueOn: addDays(today, 5) }, 'title']
		];
		for (const [body, field] of bad) {
			const refused = await record(people.marta, body);
			expect(refused.status, JSON.stringify(body)).toBe(400);
			expect(refused.body.error.code).toBe('validation_failed');
			expect(refused.body.error.fields[field], JSON.stringify(body)).toEqual(expect.any(String));
		}
		expect(await listAll()).toEqual(before);
		expect((await outsider.get(`/api/v1/tables/${tableId}/commitments`)).status).toBe(403);
	});

	it('are marked by their owner or a coordinator; a participant patching someone else’s is refused', async () => {
		const mine = (await record(people.marta, { title: 'Preparare la scheda', ownerUserId: ids.bruno, dueOn: addDays(today, 15) })).body;
		const martas = (await record(people.marta, { title: 'Convocare le scuole', ownerUserId: ids.marta, dueOn: addDays(today, 15) })).body;
		const body = (await record(people.marta, { title: 'Aprire lo sportello', ownerBody: 'Comune di Pieve', dueOn: addDays(today, 15) }))
			.body;

		const own = await people.bruno.patch(`/api/v1/commitments/${mine.id}`, { status: 'in_progress', note: 'Bozza pronta' });
		expect(own.status).toBe(200);
		expect(own.body).toMatchObject({ status: 'in_progress', note: 'Bozza pronta' });

		// What the UI never offers: Bruno marking Marta's, Marta (a moderator) marking a body's.
		const notHis = await people.bruno.patch(`/api/v1/commitments/${martas.id}`, { status: 'done' });
		expect(notHis.status).toBe(403);
		expect(notHis.body.error.code).toBe('forbidden');
		expect((await people.marta.patch(`/api/v1/commitments/${body.id}`, { status: 'cancelled' })).status).toBe(403);
		expect((await outsider.patch(`/api/v1/commitments/${body.id}`, { status: 'done' })).status).toBe(403);
		expect((await people.bruno.patch(`/api/v1/commitments/${mine.id}`, { status: 'finito' })).status).toBe(400);
		expect((await people.bruno.patch(`/api/v1/commitments/sconosciuto`, { status: 'done' })).status).toBe(404);
		const after = await listAll();
		expect(after.find((c) => c.id === martas.id)!.status).toBe('open');
		expect(after.find((c) => c.id === body.id)!.status).toBe('open');
		expect(after.find((c) => c.id === mine.id)!.status).toBe('in_progress');

		// The owner and a coordinator at once: both are allowed, the last one written stands.
		const [byOwner, byCoordinator] = await Promise.all([
			people.marta.patch(`/api/v1/commitments/${martas.id}`, { status: 'in_progress' }),
			people.anna.patch(`/api/v1/commitments/${martas.id}`, { status: 'done', note: 'Verificato' })
		]);
		expect([byOwner.status, byCoordinator.status]).toEqual([200, 200]);
		expect(['in_progress', 'done']).toContain((await listAll()).find((c) => c.id === martas.id)!.status);
		expect((await people.anna.patch(`/api/v1/commitments/${martas.id}`, { status: 'done' })).status).toBe(200);
		expect((await people.anna.patch(`/api/v1/commitments/${body.id}`, { status: 'done' })).status).toBe(200);
	});

	it('two facilitators recording at once never pass the per-meeting limit', async () => {
		const other = await people.anna.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Incontro straordinario',
			startsAt: '2027-05-01T15:00:00+02:00',
			endsAt: '2027-05-01T17:00:00+02:00'
		});
		const answers = await Promise.all(
			Array.from({ length: limit + 4 }, (_, i) =>
				record(i % 2 ? people.anna : people.marta, { title: `Impegno ${i}`, ownerBody: 'Comune', dueOn: addDays(today, 40) }, other.body.id)
			)
		);
		expect(answers.filter((a) => a.status === 201)).toHaveLength(limit);
		const refused = answers.filter((a) => a.status !== 201);
		expect(refused.map((a) => a.body.error.code)).toEqual(Array(4).fill('commitments_limit'));
		// Cancel them: they are not this test file's open commitments.
		for (const answer of answers.filter((a) => a.status === 201)) {
			expect((await people.anna.patch(`/api/v1/commitments/${answer.body.id}`, { status: 'cancelled' })).status).toBe(200);
		}
	});

	it('the table page lists the open ones; the next agenda checks them; both minutes list them', async () => {
		const pending = (await people.anna.get(`/api/v1/tables/${tableId}/commitments?status=pending`)).body.commitments as Array<{
			title: string;
			status: string;
		}>;
		expect(pending.map((c) => c.title).sort()).toEqual(
			['Inviare i dati delle iscrizioni', 'Mappare i servizi di mediazione', 'Preparare la scheda'].sort()
		);
		const page = await people.bruno.get(`/tables/${tableId}`);
		expect(page.status).toBe(200);
		expect(page.text).toContain('Preparare la scheda');
		expect(page.text).not.toContain('Aprire lo sportello');

		expect((await people.marta.post(`/api/v1/meetings/${meetingId}/status`, { status: 'closed' })).status).toBe(200);
		const minutesOf = async (meeting: string) => {
			await expect.poll(async () => (await people.anna.get(`/api/v1/meetings/${meeting}/minutes`)).status).toBe(200);
			const { documentId } = (await people.anna.get(`/api/v1/meetings/${meeting}/minutes`)).body;
			return (await people.anna.get(`/api/v1/documents/${documentId}/export?format=md`)).text;
		};
		const first = await minutesOf(meetingId);
		expect(first).toContain('Impegni presi in questo incontro');
		for (const title of ['Inviare i dati delle iscrizioni', 'Convocare le scuole', 'Aprire lo sportello']) expect(first).toContain(title);
		expect(first).toContain('Bruno Sindaco');

		const next = await people.anna.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Terzo incontro',
			startsAt: '2027-06-01T15:00:00+02:00',
			endsAt: '2027-06-01T17:00:00+02:00'
		});
		expect(next.status).toBe(201);
		const doc = new Y.Doc();
		Y.applyUpdate(doc, await loadDocumentState(app.context.db, agendaDocName(next.body.id)));
		const agenda = readAgenda(doc);
		const review = agenda.findIndex((item) => item.title === 'Verifica degli impegni');
		expect(review).toBeGreaterThanOrEqual(0);
		expect(agenda[review + 1].title).toBe('Varie ed eventuali');
		for (const title of ['Inviare i dati delle iscrizioni', 'Mappare i servizi di mediazione', 'Preparare la scheda']) {
			expect(agenda[review].notes).toContain(title);
		}
		expect(agenda[review].notes).not.toContain('Convocare le scuole');
		expect(agenda[review].notes).toContain('(in corso)');

		expect((await people.anna.post(`/api/v1/meetings/${next.body.id}/status`, { status: 'live' })).status).toBe(200);
		expect((await people.anna.post(`/api/v1/meetings/${next.body.id}/status`, { status: 'closed' })).status).toBe(200);
		const second = await minutesOf(next.body.id);
		const reviewed = second.slice(second.indexOf('Impegni verificati'));
		expect(reviewed).toContain('Preparare la scheda');
		expect(reviewed).toContain('ASL Piana');
		expect(reviewed).not.toContain('Convocare le scuole');
	});

	it('reminds the owner by e-mail before the due date, once, over SMTP', async () => {
		const live = await people.anna.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Quarto incontro',
			startsAt: '2027-07-01T15:00:00+02:00',
			endsAt: '2027-07-01T17:00:00+02:00'
		});
		const soon = (
			await record(people.anna, { title: 'Firmare la convenzione', ownerUserId: ids.bruno, dueOn: addDays(today, 1) }, live.body.id)
		).body;
		const school = (
			await record(
				people.anna,
				{ title: 'Nominare il referente', ownerBody: 'Istituto comprensivo piana', dueOn: addDays(today, 2) },
				live.body.id
			)
		).body;
		const later = (
			await record(people.anna, { title: 'Relazione finale', ownerUserId: ids.bruno, dueOn: addDays(today, 30) }, live.body.id)
		).body;
		const done = (await record(people.anna, { title: 'Già fatto', ownerUserId: ids.bruno, dueOn: addDays(today, 1) }, live.body.id)).body;
		await people.anna.patch(`/api/v1/commitments/${done.id}`, { status: 'done' });

		const deps = { db: app.context.db, mailer: app.context.mailer, logger: app.context.logger, baseUrl: app.origin, daysBefore: 2 };
		// Two runs at once (two nodes): each commitment is claimed by one of them. The app's own
		// scheduler may run meanwhile too, so exactly-once is checked on the mails that arrive.
		const [first, second] = await Promise.all([sendCommitmentReminders(deps), sendCommitmentReminders(deps)]);
		const reminded = [...first, ...second];
		expect(new Set(reminded).size).toBe(reminded.length);
		expect(reminded.every((id) => id === soon.id || id === school.id)).toBe(true);
		expect(await sendCommitmentReminders(deps)).toEqual([]);

		const reminders = (address: string) => inbox.mailsTo(address).filter((entry) => entry.mail.subject?.startsWith('Promemoria impegno'));
		await expect.poll(() => reminders('bruno@comune.example').length).toBe(1);
		await expect.poll(() => reminders('carlo@scuola.example').length).toBe(1);
		const [toBruno] = reminders('bruno@comune.example');
		expect(toBruno.mail.subject).toContain('Firmare la convenzione');
		expect(toBruno.mail.text).toContain(`${app.origin}/tables/${tableId}`);
		expect(reminders('carlo@scuola.example')[0].mail.subject).toContain('Nominare il referente');
		// Not the one due in a month, not the one already done, not to anyone else.
		expect(inbox.received.some((entry) => /Relazione finale|Già fatto/.test(entry.mail.subject ?? ''))).toBe(false);
		expect(reminders('marta@comune.example')).toHaveLength(0);
		expect(later.status).toBe('open');
	});
});
