import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { connectClient, synced, type Client, type YjsTestServer } from '../support/yjs-harness.ts';
import { connectSocket, send, type ClientSocket } from '../support/socket-test-client.ts';
import { agendaItems } from '../../src/lib/agenda/agenda-doc.ts';

/**
 * Issue 5, item 5: closing a meeting drafts its minutes (verbale) as a new 'minutes' document —
 * date, place, attendance by category with times, the agenda's notes, each poll's result and
 * turnout, the decisions — once, however often the meeting is closed.
 */
describe('minutes drafted when a meeting closes', () => {
	let app: TestApp;
	let coordinator: ApiClient;
	let tableId: string;
	let meetingId: string;
	const clients: Record<'anna' | 'bruno' | 'olga', ApiClient> = {} as never;
	const sockets: ClientSocket[] = [];
	let agenda: Client | undefined;
	const videoUrl = 'https://meet.example.org/montagna';

	async function joinRoom(client: ApiClient): Promise<ClientSocket> {
		const socket = await connectSocket(app.origin, client.sessionCookie);
		sockets.push(socket);
		const ack = await send(socket, 'meeting:join', { meetingId });
		if (!ack.ok) throw new Error(ack.error.code);
		return socket;
	}

	beforeAll(async () => {
		app = await startTestApp();
		coordinator = new ApiClient(app.origin);
		await coordinator.signUp('giulia@consorzio.example', 'Giulia Coordinatrice');
		tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna Pistoiese' })).body.id;
		const table = (await coordinator.get(`/api/v1/tables/${tableId}`)).body;
		const category = (key: string) => table.categories.find((c: { key: string }) => c.key === key).id;
		const people: Array<['anna' | 'bruno' | 'olga', string, string, string, string]> = [
			['anna', 'Anna Sindaca', 'participant', 'mayors', 'Comune di Abetone'],
			['bruno', 'Bruno Preside', 'participant', 'school_heads', 'IC Cutigliano'],
			['olga', 'Olga Osservatrice', 'observer', 'third_sector', '']
		];
		for (const [key, name, role, categoryKey, body] of people) {
			const client = new ApiClient(app.origin);
			const user = await client.signUp(`${key}@tavolo.example`, name);
			await client.joinTable(coordinator, tableId, { role, categoryId: category(categoryKey) });
			const membership = (await coordinator.get(`/api/v1/tables/${tableId}`)).body.members.find(
				(m: { userId: string }) => m.userId === user.id
			);
			await coordinator.patch(`/api/v1/tables/${tableId}/members/${membership.membershipId}`, {
				role,
				categoryId: category(categoryKey),
				representedBody: body
			});
			clients[key] = client;
		}
		meetingId = (
			await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Primo incontro del tavolo',
				startsAt: '2027-01-14T15:00:00+01:00',
				endsAt: '2027-01-14T17:00:00+01:00',
				videoUrl
			})
		).body.id;
	}, 60_000);

	afterAll(async () => {
		for (const socket of sockets) socket.disconnect();
		agenda?.destroy();
		await app?.stop();
	});

	it('writes date, place, attendance, agenda notes, polls and decisions into a new minutes draft', async () => {
		expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).body.status).toBe('live');
		expect((await coordinator.get(`/api/v1/meetings/${meetingId}/minutes`)).status).toBe(404);
		const coordinatorSocket = await joinRoom(coordinator);
		const annaSocket = await joinRoom(clients.anna);
		const brunoSocket = await joinRoom(clients.bruno);
		await joinRoom(clients.olga);

		// Notes typed in the agenda a moment before closing: still in the /yjs endpoint's memory.
		const me = (await coordinator.get('/api/v1/me')).body.user;
		const yjsServer = { app, yjsUrl: `${app.origin.replace('http', 'ws')}/yjs` } as unknown as YjsTestServer;
		agenda = connectClient(yjsServer, `agenda:${meetingId}`, { user: me, cookie: coordinator.sessionCookie });
		await synced(agenda);
		const first = agendaItems(agenda.doc).get(0);
		(first.get('notes') as Y.Text).insert(0, 'Il Report rilevazione fabbisogni è stato presentato.\nDomande dai Comuni sulla scuola.');
		first.set('presenter', 'Dott.ssa Rossi');

		const yesno = (
			await coordinator.post(`/api/v1/meetings/${meetingId}/polls`, {
				question: 'Approvare le regole del tavolo?',
				kind: 'yesno',
				options: []
			})
		).body.id;
		await coordinator.post(`/api/v1/polls/${yesno}/open`);
		expect((await send(annaSocket, 'poll:vote', { pollId: yesno, choice: 'yes' })).ok).toBe(true);
		expect((await send(brunoSocket, 'poll:vote', { pollId: yesno, choice: 'yes' })).ok).toBe(true);
		expect((await send(coordinatorSocket, 'poll:vote', { pollId: yesno, choice: 'abstain' })).ok).toBe(true);
		await coordinator.post(`/api/v1/polls/${yesno}/close`);
		// Bruno leaves: the next poll counts him neither as voter nor as present.
		brunoSocket.disconnect();
		await expect
			.poll(
				async () =>
					(await coordinator.get(`/api/v1/meetings/${meetingId}/live/attendance`)).body.attendance?.find(
						(a: { name: string }) => a.name === 'Bruno Preside'
					)?.leftAt ?? null
			)
			.not.toBeNull();
		// Left open: it closes with the meeting and is in the minutes too.
		const topic = (
			await coordinator.post(`/api/v1/meetings/${meetingId}/polls`, {
				question: 'Tema del prossimo incontro?',
				kind: 'single',
				options: ['Scuola', 'Lavoro']
			})
		).body.id;
		await coordinator.post(`/api/v1/polls/${topic}/open`);
		expect((await send(annaSocket, 'poll:vote', { pollId: topic, choice: 'Lavoro' })).ok).toBe(true);

		expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'closed' })).body.status).toBe('closed');
		const minutes = await coordinator.get(`/api/v1/meetings/${meetingId}/minutes`);
		expect(minutes.status).toBe(200);
		const document = (await clients.anna.get(`/api/v1/documents/${minutes.body.documentId}`)).body;
		expect(document).toMatchObject({ kind: 'minutes', status: 'draft', title: 'Verbale – Primo incontro del tavolo', tableId });

		const markdown = (await clients.anna.get(`/api/v1/documents/${minutes.body.documentId}/export?format=md`)).text;
		expect(markdown).toContain("## Dati dell'incontro");
		expect(markdown).toContain('giovedì 14 gennaio 2027, dalle 15:00 alle 17:00');
		expect(markdown).toContain(videoUrl);
		expect(markdown).toContain('### Sindaci dei Comuni (1)');
		expect(markdown).toMatch(/\*\*Anna Sindaca\*\*, Comune di Abetone — dalle \d\d:\d\d fino alla chiusura/);
		expect(markdown).toMatch(/\*\*Bruno Preside\*\*, IC Cutigliano — dalle \d\d:\d\d alle \d\d:\d\d/);
		expect(markdown).toContain('### Terzo settore (1)');
		expect(markdown).toContain('Categorie attese non presenti');
		expect(markdown).toContain('### 1. Condivisione e approfondimento del progetto');
		expect(markdown).toContain('Dott.ssa Rossi');
		expect(markdown).toContain('Il Report rilevazione fabbisogni è stato presentato.');
		expect(markdown).toContain('Domande dai Comuni sulla scuola.');
		expect(markdown).toContain('### Approvare le regole del tavolo?');
		expect(markdown).toContain('Favorevole 2 · Contrario 0 · Astenuto 1');
		expect(markdown).toContain('approvata (Maggioranza semplice)');
		// Anna, Bruno and Giulia could vote; Olga observes.
		expect(markdown).toContain('3 votanti su 3 presenti aventi diritto');
		expect(markdown).toContain('### Tema del prossimo incontro?');
		expect(markdown).toContain('Scuola 0 · Lavoro 1');
		expect(markdown).toContain('1 votanti su 2 presenti aventi diritto');
		// Each poll links the CSV of its results (a path on this server: the export keeps its words only).
		expect(markdown.match(/\*\*Risultati:\*\* scarica il file CSV/g)).toHaveLength(2);
		const decisions = markdown.slice(markdown.indexOf('## Decisioni'));
		expect(decisions).toContain('**Approvare le regole del tavolo?** — approvata con 2 favorevoli, 0 contrari, 1 astenuti');
		expect(decisions).not.toContain('Tema del prossimo incontro?');

		const audit = await app.context.db
			.selectFrom('audit_events')
			.select(['action', 'subject_id'])
			.where('table_id', '=', tableId)
			.where('action', '=', 'minutes.create')
			.execute();
		expect(audit).toEqual([{ action: 'minutes.create', subject_id: minutes.body.documentId }]);
	});

	it('is drafted once, however often the meeting is closed; the meeting page links it', async () => {
		const { documentId } = (await coordinator.get(`/api/v1/meetings/${meetingId}/minutes`)).body;
		expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'closed' })).status).toBe(200);
		const again = await coordinator.post(`/api/v1/meetings/${meetingId}/minutes`);
		expect(again.status).toBe(201);
		expect(again.body.documentId).toBe(documentId);
		const documents = (await coordinator.get(`/api/v1/tables/${tableId}/documents`)).body.documents.filter(
			(d: { kind: string }) => d.kind === 'minutes'
		);
		expect(documents).toHaveLength(1);
		// Participants read the minutes but do not draft them.
		expect((await clients.anna.post(`/api/v1/meetings/${meetingId}/minutes`)).status).toBe(403);

		const page = await clients.anna.get(`/meetings/${meetingId}`);
		expect(page.text).toContain(`href="/documents/${documentId}"`);
		expect(page.text).toContain('Verbale');
	});

	it('refuses to draft minutes of a meeting that has not closed', async () => {
		const planned = (
			await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Secondo incontro',
				startsAt: '2027-02-14T15:00:00+01:00',
				endsAt: '2027-02-14T17:00:00+01:00'
			})
		).body.id;
		expect((await coordinator.post(`/api/v1/meetings/${planned}/minutes`)).status).toBe(409);
	});
});
