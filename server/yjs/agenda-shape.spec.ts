import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	agendaItems,
	agendaUpdate,
	fieldText,
	readAgendaEntries,
	removeInvalidEntries,
	updateItem
} from '../../src/lib/agenda/agenda-doc.ts';
import { yjsCloseCodes } from '../../src/lib/realtime/yjs-messages.ts';
import { createMeeting } from '../../src/lib/server/meetings/service.ts';
import { createPostgresYjsStore } from '../persistence/postgres-yjs-store.ts';
import { ApiClient } from '../../tests/support/app.ts';
import {
	addTableMember,
	connectClient,
	createFixture,
	saved,
	startYjsTestServer,
	synced,
	syncRoundTrip,
	type Client,
	type Fixture,
	type YjsTestServer
} from '../../tests/support/yjs-harness.ts';
import { waitUntil } from '../../tests/support/wait-until.ts';

/**
 * Issue 11, item 4: a member broke a meeting's agenda (entries that are not items, 150 items,
 * 5,000-character titles) and with it the convocation, its PDF, the minutes and the room. The
 * server now refuses such updates (4422) and every reader skips what an old document still holds.
 */

let server: YjsTestServer;
let f: Fixture;
/** A coordinator of the fixture's table who is not an admin. */
let carla: Fixture['alice'];
const clients: Client[] = [];

const open = (docName: string, person: Fixture['alice']) => {
	const client = connectClient(server, docName, person);
	clients.push(client);
	return client;
};

let meetings = 0;
/** A new meeting of the fixture's table, its agenda holding `items` (the standard template when omitted). */
async function newMeeting(): Promise<{ id: string; agendaDoc: string }> {
	meetings += 1;
	const meeting = await createMeeting(server.app.context.db, f.admin.user, f.tableId, {
		title: `Incontro ${meetings}`,
		startsAt: '2026-12-10T09:00:00+01:00',
		endsAt: '2026-12-10T11:00:00+01:00'
	});
	return { id: meeting.id, agendaDoc: meeting.agendaDoc };
}

async function storedAgenda(docName: string): Promise<Y.Doc> {
	const stored = await createPostgresYjsStore(server.app.context.db).load(docName);
	const doc = new Y.Doc();
	if (stored) Y.applyUpdate(doc, stored.state);
	return doc;
}

const titles = (doc: Y.Doc) => readAgendaEntries(doc).items.map((item) => item.title);

function validItem(fields: Record<string, unknown> = {}): Y.Map<unknown> {
	const map = new Y.Map<unknown>();
	const values: Record<string, unknown> = {
		id: `i${Math.random().toString(36).slice(2, 10)}`,
		title: 'Punto',
		minutes: 10,
		presenter: '',
		status: 'todo',
		notes: new Y.Text(''),
		...fields
	};
	for (const [key, value] of Object.entries(values)) map.set(key, value);
	return map;
}

/** The bad shapes of the report, and the other ways an entry can be wrong; each with the close reason it gets. */
const badChanges: Array<[string, (doc: Y.Doc) => void, string]> = [
	["a string ('not-a-map')", (doc) => agendaItems(doc).push(['not-a-map' as never]), 'agenda_not_an_item'],
	['a number (42)', (doc) => agendaItems(doc).push([42 as never]), 'agenda_not_an_item'],
	['null', (doc) => agendaItems(doc).push([null as never]), 'agenda_not_an_item'],
	['a nested array', (doc) => agendaItems(doc).push([new Y.Array() as never]), 'agenda_not_an_item'],
	[
		'an item with a 5,000-character title',
		(doc) => agendaItems(doc).push([validItem({ title: 't'.repeat(5000) })]),
		'agenda_field_too_long'
	],
	[
		'an item with 30,000 characters of notes',
		(doc) => agendaItems(doc).push([validItem({ notes: new Y.Text('n'.repeat(30_000)) })]),
		'agenda_field_too_long'
	],
	['an item whose minutes are text', (doc) => agendaItems(doc).push([validItem({ minutes: 'molti' })]), 'agenda_bad_field'],
	['an item with an unknown status', (doc) => agendaItems(doc).push([validItem({ status: 'boh' })]), 'agenda_bad_field'],
	['an item with an extra key', (doc) => agendaItems(doc).push([validItem({ payload: 'x' })]), 'agenda_bad_field'],
	['an item without an id', (doc) => agendaItems(doc).push([validItem({ id: '' })]), 'agenda_bad_field'],
	['a 5,000-character title on an existing item', (doc) => agendaItems(doc).get(0).set('title', 't'.repeat(5000)), 'agenda_field_too_long'],
	['notes replaced by a string', (doc) => agendaItems(doc).get(0).set('notes', 'testo'), 'agenda_bad_field'],
	[
		'150 items',
		(doc) => agendaItems(doc).push(Array.from({ length: 147 }, (_, i) => validItem({ title: `Punto ${i}` }))),
		'agenda_too_many_items'
	]
];

beforeAll(async () => {
	server = await startYjsTestServer();
	f = await createFixture(server.app);
	carla = await addTableMember(server.app, f.tableId, 'Carla', 'coordinator');
});

afterEach(() => {
	for (const client of clients.splice(0)) client.destroy();
});

afterAll(async () => {
	await server.dispose();
});

describe('the agenda shape on /yjs', () => {
	it('closes a connection sending each bad shape with 4422 and its reason, and keeps the agenda as it was', async () => {
		const meeting = await newMeeting();
		const bob = open(meeting.agendaDoc, f.bob);
		await synced(bob);
		const before = titles(bob.doc);
		expect(before).toHaveLength(3);
		for (const [what, change, reason] of badChanges) {
			const attacker = open(meeting.agendaDoc, f.alice);
			await synced(attacker);
			attacker.doc.transact(() => change(attacker.doc));
			await waitUntil(() => attacker.closes.length > 0, 10_000, `the close after ${what}`);
			expect(attacker.closes[0], what).toEqual({ code: yjsCloseCodes.invalidAgenda, reason });
			attacker.destroy();
		}
		// Nothing of it reached the others, and the room goes on.
		await syncRoundTrip(bob);
		expect(readAgendaEntries(bob.doc)).toEqual({ items: expect.any(Array), invalid: [] });
		expect(titles(bob.doc)).toEqual(before);
		updateItem(bob.doc, readAgendaEntries(bob.doc).items[0].id, { title: 'Approvazione del verbale' });
		await saved(bob);
		expect(bob.closes).toEqual([]);
		const stored = await storedAgenda(meeting.agendaDoc);
		expect(readAgendaEntries(stored).invalid).toEqual([]);
		expect(titles(stored)).toEqual(['Approvazione del verbale', ...before.slice(1)]);
	});

	it('accepts a full agenda of 100 valid items, then refuses the 101st', async () => {
		const meeting = await newMeeting();
		const writer = open(meeting.agendaDoc, f.alice);
		await synced(writer);
		agendaItems(writer.doc).push(
			Array.from({ length: 97 }, (_, i) => validItem({ title: `Punto ${i}`, notes: new Y.Text('n'.repeat(100)) }))
		);
		await syncRoundTrip(writer);
		expect(writer.closes).toEqual([]);
		agendaItems(writer.doc).push([validItem()]);
		await waitUntil(() => writer.closes.length > 0, 10_000, 'the close after the 101st item');
		expect(writer.closes[0]).toEqual({ code: yjsCloseCodes.invalidAgenda, reason: 'agenda_too_many_items' });
		expect(readAgendaEntries(await storedAgenda(meeting.agendaDoc)).items).toHaveLength(100);
	});

	it('answers the convocation, its PDF, the room and the minutes of an agenda holding bad entries, and lets the room remove them', async () => {
		const meeting = await newMeeting();
		// An agenda saved before the check (or written around it): straight into the store, after
		// the meeting's template (three standard items).
		const bad = await storedAgenda(meeting.agendaDoc);
		const before = Y.encodeStateVector(bad);
		Y.applyUpdate(bad, agendaUpdate([{ title: 'Punto buono', minutes: 20 }]));
		// Two documents' inserts at the start are ordered by client id: moved to the end, by hand,
		// without the position key of its own document (which equals the first template item's), as
		// an agenda saved before position keys holds it: it follows the items with one.
		const added = agendaItems(bad)
			.toArray()
			.find((entry) => fieldText(entry.get('title')) === 'Punto buono')!;
		const first = new Y.Map<unknown>();
		for (const [key, value] of added.entries()) {
			if (key !== 'position') first.set(key, value instanceof Y.Text ? new Y.Text(value.toString()) : value);
		}
		bad.transact(() => {
			agendaItems(bad).delete(agendaItems(bad).toArray().indexOf(added), 1);
			agendaItems(bad).push([first]);
		});
		(first.get('notes') as Y.Text).insert(0, 'Appunti del punto buono');
		agendaItems(bad).push(['not-a-map' as never, 42 as never, null as never, validItem({ title: 't'.repeat(5000) })]);
		const copy = new Y.Map<unknown>();
		for (const [key, value] of first.entries()) copy.set(key, value instanceof Y.Text ? new Y.Text(value.toString()) : value);
		agendaItems(bad).push([copy]);
		agendaItems(bad).push(Array.from({ length: 150 }, (_, i) => validItem({ title: `Extra ${i}` })));
		await server.app.context.db
			.insertInto('yjs_updates')
			.values({ doc_name: meeting.agendaDoc, update: Y.encodeStateAsUpdate(bad, before) })
			.execute();

		const coordinator = new ApiClient(server.app.url, { cookie: carla.cookie });
		const convocation = await coordinator.get(`/api/v1/meetings/${meeting.id}/convocation`);
		expect(convocation.status).toBe(200);
		expect(convocation.body.body).toContain('4. Punto buono');
		expect(convocation.body.body).not.toContain('ttttt');
		const pdf = await coordinator.get(`/api/v1/meetings/${meeting.id}/convocation/export?format=pdf`);
		expect(pdf.status).toBe(200);
		expect(pdf.headers.get('content-type')).toContain('application/pdf');
		const page = await coordinator.get(`/meetings/${meeting.id}/convocation`);
		expect(page.status).toBe(200);

		// The room: the valid items and a count of the rest, which an editor removes; editing the
		// bad agenda otherwise is allowed (it does not get worse).
		const room = open(meeting.agendaDoc, f.alice);
		await synced(room);
		const reading = readAgendaEntries(room.doc);
		expect(reading.items.map((item) => item.title)).toEqual([
			"Approvazione del verbale dell'incontro precedente",
			'Aggiornamenti dal tavolo',
			'Varie ed eventuali',
			'Punto buono',
			...Array.from({ length: 150 }, (_, i) => `Extra ${i}`)
		]);
		expect(reading.invalid.map((entry) => entry.problem)).toEqual([
			'not_an_item',
			'not_an_item',
			'not_an_item',
			'field_too_long',
			'duplicate_id'
		]);
		updateItem(room.doc, reading.items[3].id, { presenter: 'Dott.ssa Rossi' });
		await syncRoundTrip(room);
		expect(room.closes).toEqual([]);

		expect((await coordinator.post(`/api/v1/meetings/${meeting.id}/status`, { status: 'live' })).status).toBe(200);
		expect((await coordinator.post(`/api/v1/meetings/${meeting.id}/status`, { status: 'closed' })).body.status).toBe('closed');
		const minutes = await coordinator.get(`/api/v1/meetings/${meeting.id}/minutes`);
		expect(minutes.status).toBe(200);
		const markdown = (await coordinator.get(`/api/v1/documents/${minutes.body.documentId}/export?format=md`)).text;
		expect(markdown).toContain('### 4. Punto buono');
		expect(markdown).toContain('Dott.ssa Rossi');
		expect(markdown).toContain('Appunti del punto buono');
		expect(markdown).toContain("Voci non valide dell'ordine del giorno, omesse: 5.");
		expect(markdown).not.toContain('ttttt');

		// Closed, the agenda is a record: the participant's room turns read-only, and one of those
		// who ran the meeting (here the admin) removes the bad entries.
		await waitUntil(() => room.readOnly?.reason === 'closed', 10_000, "the participant's room to turn read-only");
		const keeper = open(meeting.agendaDoc, f.admin);
		await synced(keeper);
		expect(removeInvalidEntries(keeper.doc)).toBe(5);
		await saved(keeper);
		expect(keeper.closes).toEqual([]);
		const stored = readAgendaEntries(await storedAgenda(meeting.agendaDoc));
		expect(stored.invalid).toEqual([]);
		expect(stored.items).toHaveLength(154);
	});
});
