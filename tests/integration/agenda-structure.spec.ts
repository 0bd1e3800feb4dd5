import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addItem, agendaItems, findItemMap, moveItem, readAgenda, removeItem, updateItem } from '../../src/lib/agenda/agenda-doc.ts';
import { yjsCloseCodes } from '../../src/lib/realtime/yjs-messages.ts';
import { createMeeting } from '../../src/lib/server/meetings/service.ts';
import { createPostgresYjsStore } from '../../server/persistence/postgres-yjs-store.ts';
import { ApiClient } from '../support/app.ts';
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
	type Person,
	type YjsTestServer
} from '../support/yjs-harness.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Issue 12, item 1: any participant deleted any agenda item, the one in focus included, in one
 * click. While the meeting is live only those who run it (moderator, coordinator) add, remove or
 * move items; the server refuses a participant's update that does, whatever client sends it (here
 * the stock y-websocket provider, as a member who bypasses the page would use). Field texts stay
 * open to every writer.
 */

let server: YjsTestServer;
let f: Fixture;
let carla: Person;
let marco: Person;
const clients: Client[] = [];

const open = (docName: string, person: Person) => {
	const client = connectClient(server, docName, person);
	clients.push(client);
	return client;
};

let meetings = 0;
async function newMeeting(): Promise<{ id: string; agendaDoc: string }> {
	meetings += 1;
	const meeting = await createMeeting(server.app.context.db, f.admin.user, f.tableId, {
		title: `Incontro ${meetings}`,
		startsAt: '2026-12-10T09:00:00+01:00',
		endsAt: '2026-12-10T11:00:00+01:00'
	});
	return { id: meeting.id, agendaDoc: meeting.agendaDoc };
}

async function storedTitles(docName: string): Promise<string[]> {
	const stored = await createPostgresYjsStore(server.app.context.db).load(docName);
	const doc = new Y.Doc();
	if (stored) Y.applyUpdate(doc, stored.state);
	return readAgenda(doc).map((item) => item.title);
}

async function setStatus(meetingId: string, status: 'live' | 'closed') {
	const response = await new ApiClient(server.app.url, { cookie: carla.cookie }).post(`/api/v1/meetings/${meetingId}/status`, { status });
	expect(response.status).toBe(200);
}

const titles = (client: Client) => readAgenda(client.doc).map((item) => item.title);

beforeAll(async () => {
	server = await startYjsTestServer();
	f = await createFixture(server.app);
	carla = await addTableMember(server.app, f.tableId, 'Carla', 'coordinator');
	marco = await addTableMember(server.app, f.tableId, 'Marco', 'moderator');
});

afterEach(() => {
	for (const client of clients.splice(0)) client.destroy();
});

afterAll(async () => {
	await server.dispose();
});

describe('agenda structure during a live meeting', () => {
	it('refuses a participant who removes, adds or moves an item (4422 agenda_structure_locked), and nothing reaches the others', async () => {
		const meeting = await newMeeting();
		// Alice joined before the meeting went live: her open connection is re-decided.
		const early = open(meeting.agendaDoc, f.alice);
		await synced(early);
		await setStatus(meeting.id, 'live');
		// One node re-decides its connections before answering; with two nodes
		// (TAVOLO_TEST_NODES=2) the other hears it over Redis a moment later, so there two fresh
		// connections (one per node, the balancer alternates) make sure both rooms know.
		if (process.env.TAVOLO_TEST_NODES === '2') {
			for (const probe of [open(meeting.agendaDoc, f.bob), open(meeting.agendaDoc, f.bob)]) await synced(probe);
		}
		// Before anyone else connects (a new connection reads the status too): the re-decision alone refuses it.
		const before = titles(early);
		expect(before).toHaveLength(3);
		const [first, second] = readAgenda(early.doc);
		removeItem(early.doc, first.id);
		await waitUntil(() => early.closes.length > 0, 10_000, 'the close after the removal');
		expect(early.closes[0]).toEqual({ code: yjsCloseCodes.invalidAgenda, reason: 'agenda_structure_locked' });
		const watcher = open(meeting.agendaDoc, marco);
		await synced(watcher);
		expect(titles(watcher)).toEqual(before);

		const attacks: Array<[string, (doc: Y.Doc) => void]> = [
			['a removal', (doc) => removeItem(doc, readAgenda(doc)[0].id)],
			['an addition', (doc) => addItem(doc, { title: 'Punto mio' })],
			['a move', (doc) => moveItem(doc, second.id, 0)],
			['a removal of every item', (doc) => agendaItems(doc).delete(0, agendaItems(doc).length)]
		];
		for (const [what, attack] of attacks) {
			const attacker = open(meeting.agendaDoc, f.bob);
			await synced(attacker);
			attacker.doc.transact(() => attack(attacker.doc));
			await waitUntil(() => attacker.closes.length > 0, 10_000, `the close after ${what}`);
			expect(attacker.closes[0], what).toEqual({ code: yjsCloseCodes.invalidAgenda, reason: 'agenda_structure_locked' });
			attacker.destroy();
		}
		await syncRoundTrip(watcher);
		expect(titles(watcher)).toEqual(before);
		expect(await storedTitles(meeting.agendaDoc)).toEqual(before);
	});

	it('lets a participant edit the texts of an item while live, and the moderator add, move and remove items', async () => {
		const meeting = await newMeeting();
		await setStatus(meeting.id, 'live');
		const alice = open(meeting.agendaDoc, f.alice);
		const moderator = open(meeting.agendaDoc, marco);
		await Promise.all([synced(alice), synced(moderator)]);
		const [first, second, third] = readAgenda(alice.doc);
		updateItem(alice.doc, first.id, { title: 'Verbale precedente', presenter: 'Alice', status: 'in_progress' });
		(findItemMap(alice.doc, first.id)!.get('notes') as Y.Text).insert(0, 'Approvato.');
		await saved(alice);
		expect(alice.closes).toEqual([]);

		addItem(moderator.doc, { title: 'Punto nuovo' });
		moveItem(moderator.doc, third.id, 0);
		removeItem(moderator.doc, second.id);
		await saved(moderator);
		expect(moderator.closes).toEqual([]);
		await waitUntil(() => titles(alice).length === 3 && titles(alice)[0] === third.title, 5000, 'the moderator changes at Alice');
		expect(titles(alice)).toEqual([third.title, 'Verbale precedente', 'Punto nuovo']);
		expect(readAgenda(alice.doc)[1]).toMatchObject({ presenter: 'Alice', notes: 'Approvato.', status: 'in_progress' });
		expect(await storedTitles(meeting.agendaDoc)).toEqual([third.title, 'Verbale precedente', 'Punto nuovo']);
	});

	it('lets participants reshape the agenda before the meeting; once it closed, the agenda is a record only its moderators correct', async () => {
		const meeting = await newMeeting();
		const alice = open(meeting.agendaDoc, f.alice);
		await synced(alice);
		const [first] = readAgenda(alice.doc);
		removeItem(alice.doc, first.id);
		addItem(alice.doc, { title: 'Proposta di Alice' });
		await saved(alice);
		expect(alice.closes).toEqual([]);
		await setStatus(meeting.id, 'live');
		await setStatus(meeting.id, 'closed');
		// The open connection is switched to read-only in place; a write sent anyway changes nothing.
		await waitUntil(() => alice.readOnly?.reason === 'closed', 10_000, "Alice's connection to turn read-only");
		expect(alice.readOnly).toEqual({ readOnly: true, reason: 'closed' });
		const before = await storedTitles(meeting.agendaDoc);
		moveItem(alice.doc, readAgenda(alice.doc)[2].id, 0);
		const late = open(meeting.agendaDoc, f.alice);
		await synced(late);
		expect(late.readOnly).toEqual({ readOnly: true, reason: 'closed' });
		expect(titles(late)).toEqual(before);
		expect(await storedTitles(meeting.agendaDoc)).toEqual(before);
		// The moderator may still correct it.
		const moderator = open(meeting.agendaDoc, carla);
		await synced(moderator);
		expect(moderator.readOnly?.readOnly ?? false).toBe(false);
		addItem(moderator.doc, { title: 'Correzione' });
		await saved(moderator);
		expect(await storedTitles(meeting.agendaDoc)).toEqual([...before, 'Correzione']);
	});

	it('keeps an agenda saved before issue 12 (plain-string title and presenter) readable, upgrades it on load, and a participant edits it while live', async () => {
		const meeting = await newMeeting();
		const stored = await createPostgresYjsStore(server.app.context.db).load(meeting.agendaDoc);
		const old = new Y.Doc();
		Y.applyUpdate(old, stored!.state);
		const vector = Y.encodeStateVector(old);
		const legacy = new Y.Map<unknown>();
		for (const [key, value] of Object.entries({
			id: 'vecchio1',
			title: 'Punto di una volta',
			minutes: 10,
			presenter: 'Anna',
			status: 'todo'
		})) {
			legacy.set(key, value);
		}
		legacy.set('notes', new Y.Text('appunti'));
		agendaItems(old).push([legacy]);
		await server.app.context.db
			.insertInto('yjs_updates')
			.values({ doc_name: meeting.agendaDoc, update: Y.encodeStateAsUpdate(old, vector) })
			.execute();
		const coordinator = new ApiClient(server.app.url, { cookie: carla.cookie });
		expect((await coordinator.get(`/api/v1/meetings/${meeting.id}/convocation`)).body.body).toContain('4. Punto di una volta');

		await setStatus(meeting.id, 'live');
		const alice = open(meeting.agendaDoc, f.alice);
		await synced(alice);
		expect(readAgenda(alice.doc)[3]).toMatchObject({ id: 'vecchio1', title: 'Punto di una volta', presenter: 'Anna', notes: 'appunti' });
		// The server turned the strings into Y.Texts before Alice's first sync.
		expect(findItemMap(alice.doc, 'vecchio1')!.get('title')).toBeInstanceOf(Y.Text);
		expect(findItemMap(alice.doc, 'vecchio1')!.get('presenter')).toBeInstanceOf(Y.Text);
		updateItem(alice.doc, 'vecchio1', { title: 'Punto di una volta, rivisto' });
		await saved(alice);
		expect(alice.closes).toEqual([]);
		expect(findItemMap(alice.doc, 'vecchio1')!.get('title')).toBeInstanceOf(Y.Text);
		expect((await storedTitles(meeting.agendaDoc))[3]).toBe('Punto di una volta, rivisto');
		expect((await coordinator.get(`/api/v1/meetings/${meeting.id}/convocation`)).body.body).toContain('4. Punto di una volta, rivisto');
	});
});

/** An item as Tavolo wrote it before issue 12: plain-string title and presenter, no position key. */
function legacyItem(id: string, title: string, presenter = ''): Y.Map<unknown> {
	const map = new Y.Map<unknown>();
	for (const [key, value] of Object.entries({ id, title, minutes: 10, presenter, status: 'todo' })) map.set(key, value);
	map.set('notes', new Y.Text(''));
	return map;
}

/** Replaces the stored agenda of `docName` by `items`, written straight into the store (no room has it loaded). */
async function storeLegacyAgenda(docName: string, items: Y.Map<unknown>[]): Promise<void> {
	const stored = await createPostgresYjsStore(server.app.context.db).load(docName);
	const old = new Y.Doc();
	Y.applyUpdate(old, stored!.state);
	const vector = Y.encodeStateVector(old);
	old.transact(() => {
		agendaItems(old).delete(0, agendaItems(old).length);
		agendaItems(old).push(items);
	});
	await server.app.context.db
		.insertInto('yjs_updates')
		.values({ doc_name: docName, update: Y.encodeStateAsUpdate(old, vector) })
		.execute();
}

/**
 * One keystroke after another into a text field, each its own update, as the editor sends them. A
 * field still holding a plain string is turned into a Y.Text holding the typed value: what the
 * browser did on its first edit before the server upgraded agendas (with the upgrade, it never
 * meets one).
 */
function type(doc: Y.Doc, id: string, field: 'title' | 'presenter' | 'notes', at: number, text: string) {
	for (const [i, letter] of [...text].entries()) {
		const map = findItemMap(doc, id)!;
		const value = map.get(field);
		if (value instanceof Y.Text) value.insert(at + i, letter);
		else {
			const old = String(value);
			map.set(field, new Y.Text(old.slice(0, at + i) + letter + old.slice(at + i)));
		}
	}
}

describe('agendas written by older versions, and moves while people type', () => {
	it('upgrades a stored agenda before anyone syncs: two people typing their first keystrokes into one title at once both keep them', async () => {
		const meeting = await newMeeting();
		await storeLegacyAgenda(meeting.agendaDoc, [
			legacyItem('vecchio1', 'Punto di una volta', 'Anna'),
			legacyItem('vecchio2', 'Secondo punto'),
			legacyItem('vecchio3', 'Varie')
		]);
		const alice = open(meeting.agendaDoc, f.alice);
		const bob = open(meeting.agendaDoc, f.bob);
		await Promise.all([synced(alice), synced(bob)]);
		// Both at once: neither has the other's keystrokes when typing.
		type(alice.doc, 'vecchio1', 'title', 0, 'Primo: ');
		type(bob.doc, 'vecchio1', 'title', 'Punto di una volta'.length, ' (rivisto)');
		const expected = ['Primo: Punto di una volta (rivisto)', 'Secondo punto', 'Varie'];
		await waitUntil(
			() => [alice, bob].every((client) => titles(client).join('|') === expected.join('|')),
			10_000,
			"both people's keystrokes in the title at both",
			() => `Alice: ${titles(alice).join(' | ')}\nBob: ${titles(bob).join(' | ')}`
		);
		expect(readAgenda(bob.doc)[0]).toMatchObject({ id: 'vecchio1', presenter: 'Anna' });
		await Promise.all([saved(alice), saved(bob)]);
		expect([alice.closes, bob.closes]).toEqual([[], []]);
		// The upgrade is stored like any update: Y.Texts and position keys, the order kept.
		const stored = await createPostgresYjsStore(server.app.context.db).load(meeting.agendaDoc);
		const doc = new Y.Doc();
		Y.applyUpdate(doc, stored!.state);
		expect(readAgenda(doc).map((item) => item.title)).toEqual(expected);
		for (const id of ['vecchio1', 'vecchio2', 'vecchio3']) {
			expect(findItemMap(doc, id)!.get('title')).toBeInstanceOf(Y.Text);
			expect(findItemMap(doc, id)!.get('presenter')).toBeInstanceOf(Y.Text);
			expect(typeof findItemMap(doc, id)!.get('position')).toBe('string');
		}
	});

	it('keeps what a participant types into an item while two moderators move it at once: one item, at one new place, with every keystroke', async () => {
		const meeting = await newMeeting();
		await setStatus(meeting.id, 'live');
		const alice = open(meeting.agendaDoc, f.alice);
		const moderator = open(meeting.agendaDoc, marco);
		const coordinator = open(meeting.agendaDoc, carla);
		const everyone = [alice, moderator, coordinator];
		await Promise.all(everyone.map(synced));
		const [first, second, third] = readAgenda(alice.doc);
		// All at once: Alice types into the first item's title and notes while both move it.
		type(alice.doc, first.id, 'title', first.title.length, ' — approvato');
		type(alice.doc, first.id, 'notes', 0, 'Nessuna osservazione.');
		moveItem(moderator.doc, first.id, 2);
		moveItem(coordinator.doc, first.id, 1);
		const settled = () => {
			const [a, ...others] = everyone.map((client) => JSON.stringify(readAgenda(client.doc)));
			return others.every((other) => other === a) && readAgenda(alice.doc).some((item) => item.notes === 'Nessuna osservazione.');
		};
		await waitUntil(settled, 10_000, 'the three copies to agree, with the typing', () =>
			everyone.map((client) => JSON.stringify(readAgenda(client.doc).map((item) => [item.title, item.notes]))).join('\n')
		);
		const order = titles(alice);
		expect(order).toHaveLength(3);
		expect([
			[second.title, third.title, `${first.title} — approvato`],
			[second.title, `${first.title} — approvato`, third.title]
		]).toContainEqual(order);
		expect(readAgenda(alice.doc).find((item) => item.id === first.id)).toMatchObject({ notes: 'Nessuna osservazione.' });
		expect(agendaItems(alice.doc).length).toBe(3);
		await Promise.all(everyone.map(saved));
		expect(everyone.map((client) => client.closes)).toEqual([[], [], []]);
		expect(await storedTitles(meeting.agendaDoc)).toEqual(order);
	});
});
