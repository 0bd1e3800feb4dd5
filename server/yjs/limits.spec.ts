import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import { messageAwareness, messageQueryAwareness, messageSync, yjsCloseCodes } from '../../src/lib/realtime/yjs-messages.ts';
import type { YjsStore } from '../persistence/yjs-store.ts';
import { createPostgresYjsStore } from '../persistence/postgres-yjs-store.ts';
import { createDocument } from '../../src/lib/server/documents/service.ts';
import { createMeeting } from '../../src/lib/server/meetings/service.ts';
import { minutesContent } from '../../src/lib/server/minutes/content.ts';
import {
	addItem,
	agendaEntryProblem,
	agendaItems,
	agendaStatuses,
	findItemMap,
	moveItem,
	readAgendaEntries,
	totalMinutes
} from '../../src/lib/agenda/agenda-doc.ts';
import { ApiClient } from '../../tests/support/app.ts';
import {
	addTableMember,
	connectBare,
	connectClient,
	createFixture,
	rawConnect,
	startBareEndpoint,
	startYjsTestServer,
	saved,
	synced,
	syncRoundTrip,
	type Client,
	type Fixture,
	type YjsTestServer
} from '../../tests/support/yjs-harness.ts';
import { waitUntil } from '../../tests/support/wait-until.ts';

const maxFrame = 64 * 1024;
const maxDoc = 32 * 1024;
const maxAwareness = 1024;

let server: YjsTestServer;
let f: Fixture;
/** A coordinator of the fixture's table who is not an admin. */
let carla: Fixture['alice'];
const clients: Client[] = [];
const sockets: WebSocket[] = [];

const open = (docName: string, person: Fixture['alice']) => {
	const client = connectClient(server, docName, person);
	clients.push(client);
	return client;
};

async function raw(docName: string) {
	const connection = await rawConnect(`${server.yjsUrl}/${docName}`, { Cookie: f.alice.cookie, Origin: server.app.url });
	if (!connection.socket) throw new Error(`refused with ${connection.status}`);
	sockets.push(connection.socket);
	return connection as typeof connection & { socket: WebSocket };
}

function syncMessage(write: (encoder: encoding.Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, messageSync);
	write(encoder);
	return encoding.toUint8Array(encoder);
}

/** Valid messages a real client sends: the seeds of the mutation fuzzing. */
function validMessages(): Uint8Array[] {
	const doc = new Y.Doc();
	const updates: Uint8Array[] = [];
	doc.on('update', (update: Uint8Array) => updates.push(update));
	doc.getText('t').insert(0, 'Ordine del giorno');
	doc.getMap('m').set('k', { nested: [1, 2, 3] });
	doc.getText('t').delete(2, 4);
	const awareness = new awarenessProtocol.Awareness(doc);
	awareness.setLocalState({ user: { name: 'x' }, cursor: { anchor: 1 } });
	const awarenessEncoder = encoding.createEncoder();
	encoding.writeVarUint(awarenessEncoder, messageAwareness);
	encoding.writeVarUint8Array(awarenessEncoder, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]));
	awareness.destroy();
	return [
		syncMessage((e) => syncProtocol.writeSyncStep1(e, doc)),
		syncMessage((e) => syncProtocol.writeSyncStep2(e, doc, new Uint8Array([0]))),
		...updates.map((update) => syncMessage((e) => syncProtocol.writeUpdate(e, update))),
		encoding.toUint8Array(awarenessEncoder)
	];
}

/** Sends `frame`, then a query-awareness probe: resolves 'alive' if the probe is answered. */
async function outcome(docName: string, frame: Uint8Array): Promise<'alive' | { code: number; reason: string }> {
	const connection = await raw(docName);
	await waitUntil(() => connection.messages.length > 0, 10_000, 'greeting');
	const before = connection.messages.length;
	connection.socket.send(frame);
	connection.socket.send(new Uint8Array([messageQueryAwareness]));
	const result = await Promise.race([
		connection.closed,
		waitUntil(() => connection.messages.length > before, 10_000, 'probe answer').then(() => 'alive' as const)
	]);
	connection.socket.terminate();
	return result;
}

/** A new document of the fixture's table: each size test starts from an empty one. */
async function newDocument(): Promise<string> {
	return (await createDocument(server.app.context.db, f.admin.user, f.tableId, { kind: 'protocol', title: 'Grande' })).docName;
}

/** The text `t` of the document as the database holds it (snapshot + log). */
async function storedText(docName: string): Promise<string> {
	const stored = await createPostgresYjsStore(server.app.context.db).load(docName);
	const doc = new Y.Doc();
	if (stored) Y.applyUpdate(doc, stored.state);
	return doc.getText('t').toString();
}

/** How many characters of 'x' make a document whose encoded state is `bytes` long. */
function charsForEncodedSize(bytes: number, clientID: number): number {
	// The same client id: its varint takes one to five bytes, so another id gives another size.
	const probe = new Y.Doc();
	probe.clientID = clientID;
	probe.getText('t').insert(0, 'x'.repeat(bytes));
	return bytes - (Y.encodeStateAsUpdate(probe).byteLength - bytes);
}

beforeAll(async () => {
	server = await startYjsTestServer({
		TAVOLO_YJS_MAX_FRAME_BYTES: String(maxFrame),
		TAVOLO_YJS_MAX_DOC_BYTES: String(maxDoc),
		TAVOLO_YJS_MAX_AWARENESS_BYTES: String(maxAwareness)
	});
	f = await createFixture(server.app);
	carla = await addTableMember(server.app, f.tableId, 'Carla', 'coordinator');
});

afterEach(() => {
	for (const client of clients.splice(0)) client.destroy();
	for (const socket of sockets.splice(0)) socket.terminate();
});

afterAll(async () => {
	await server.dispose();
});

describe('/yjs limits and malformed input', () => {
	it('closes only the offending connection on random and mutated frames (fuzz)', async () => {
		const a = open(f.documentDoc, f.alice);
		const b = open(f.documentDoc, f.bob);
		await Promise.all([synced(a), synced(b)]);
		const seeds = validMessages();
		const frame = fc.oneof(
			fc.uint8Array({ minLength: 1, maxLength: 200 }),
			fc
				.tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(255), fc.constantFrom('flip', 'truncate', 'insert'))
				.map(([seed, at, byte, how]) => {
					const i = at % seed.length;
					if (how === 'truncate') return seed.slice(0, Math.max(1, i));
					if (how === 'insert') return Uint8Array.from([...seed.slice(0, i), byte, ...seed.slice(i)]);
					const copy = seed.slice();
					copy[i] ^= byte || 1;
					return copy;
				})
		);
		let round = 0;
		let closed = 0;
		await fc.assert(
			fc.asyncProperty(frame, async (bytes) => {
				const result = await outcome(f.documentDoc, bytes);
				if (result !== 'alive') {
					closed += 1;
					expect([yjsCloseCodes.badMessage, yjsCloseCodes.tooLarge]).toContain(result.code);
				}
				// The room goes on: the two real clients still converge.
				round += 1;
				a.doc.getMap('fuzz').set('round', round);
				await waitUntil(() => b.doc.getMap('fuzz').get('round') === round, 10_000, 'room still syncing');
			}),
			{ numRuns: 100 }
		);
		expect(closed).toBeGreaterThan(10);
	});

	it('fuzzes agenda documents: the server keeps every agenda valid, and every reader reads what it accepted', async () => {
		const meeting = await createMeeting(server.app.context.db, f.admin.user, f.tableId, {
			title: 'Incontro sotto attacco',
			startsAt: '2026-12-15T09:00:00+01:00',
			endsAt: '2026-12-15T11:00:00+01:00'
		});
		const watcher = open(meeting.agendaDoc, f.bob);
		await synced(watcher);
		const coordinator = new ApiClient(server.app.url, { cookie: carla.cookie });

		const value = fc.oneof(
			fc.string({ maxLength: 40 }),
			fc.string({ minLength: 190, maxLength: 260 }),
			fc.integer({ min: -5, max: 700 }),
			fc.double(),
			fc.boolean(),
			fc.constant(null),
			fc.constantFrom(...agendaStatuses, 'boh'),
			fc.array(fc.nat(), { maxLength: 3 }),
			fc.constantFrom('text', 'map', 'array')
		);
		const key = fc.constantFrom('id', 'title', 'minutes', 'presenter', 'status', 'notes', 'extra');
		const item = fc.record({
			title: fc.string({ maxLength: 250 }),
			minutes: fc.integer({ min: -10, max: 700 }),
			presenter: fc.string({ maxLength: 150 }),
			status: fc.constantFrom(...agendaStatuses)
		});
		const op = fc.oneof(
			fc.record({ kind: fc.constant('add' as const), item }),
			fc.record({ kind: fc.constant('addMany' as const), count: fc.integer({ min: 1, max: 60 }) }),
			fc.record({ kind: fc.constant('raw' as const), value }),
			fc.record({ kind: fc.constant('map' as const), fields: fc.dictionary(key, value) }),
			fc.record({ kind: fc.constant('set' as const), at: fc.nat(), key, value }),
			fc.record({
				kind: fc.constant('notes' as const),
				at: fc.nat(),
				length: fc.oneof(
					{ arbitrary: fc.integer({ min: 0, max: 200 }), weight: 4 },
					{ arbitrary: fc.integer({ min: 19_990, max: 20_010 }), weight: 1 }
				)
			}),
			fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 40 }) }),
			fc.record({ kind: fc.constant('move' as const), at: fc.nat(), to: fc.nat() })
		);
		type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

		/** A plain value as given, or a Yjs type for the three names of one. */
		const materialize = (v: unknown) => (v === 'text' ? new Y.Text('x') : v === 'map' ? new Y.Map() : v === 'array' ? new Y.Array() : v);
		const wellFormed = (title: string) => {
			const map = new Y.Map<unknown>();
			const fields = {
				id: `f${Math.random().toString(36).slice(2, 10)}`,
				title,
				minutes: 5,
				presenter: '',
				status: 'todo',
				notes: new Y.Text('')
			};
			for (const [k, v] of Object.entries(fields)) map.set(k, v);
			return map;
		};
		const apply = (doc: Y.Doc, o: Op) => {
			const items = agendaItems(doc);
			const entries = items.toArray() as unknown[];
			const pick = (at: number) => (entries.length > 0 ? entries[at % entries.length] : undefined);
			switch (o.kind) {
				case 'add':
					return void addItem(doc, o.item);
				case 'addMany':
					return items.push(Array.from({ length: o.count }, (_, i) => wellFormed(`Punto ${i}`)));
				case 'raw':
					return items.push([materialize(o.value) as never]);
				case 'map': {
					const map = new Y.Map<unknown>();
					for (const [k, v] of Object.entries(o.fields)) map.set(k, materialize(v));
					return items.push([map]);
				}
				case 'set': {
					const entry = pick(o.at);
					if (entry instanceof Y.Map) entry.set(o.key, materialize(o.value));
					return;
				}
				case 'notes': {
					const entry = pick(o.at);
					const notes = entry instanceof Y.Map ? entry.get('notes') : null;
					if (notes instanceof Y.Text) notes.insert(0, 'n'.repeat(o.length));
					return;
				}
				case 'delete':
					if (entries.length > 0) items.delete(o.at % entries.length, Math.min(o.count, entries.length - (o.at % entries.length)));
					return;
				case 'move': {
					const entry = pick(o.at);
					if (entry instanceof Y.Map && typeof entry.get('id') === 'string')
						moveItem(doc, entry.get('id') as string, o.to % entries.length);
				}
			}
		};

		/** Every agenda reader, on what the server accepted (what the watcher received). */
		const readAll = async (doc: Y.Doc) => {
			const reading = readAgendaEntries(doc);
			totalMinutes(reading.items);
			for (const one of reading.items) expect(findItemMap(doc, one.id)).toBeInstanceOf(Y.Map);
			minutesContent({
				meeting: { title: 'Incontro', startsAt: new Date(), endsAt: new Date(), videoUrl: null },
				table: { name: 'Tavolo', territory: 'Pianura', programme: 'Programma', organization: 'Ente' },
				categories: [],
				expectedCategoryIds: [],
				attendees: [],
				agenda: reading.items,
				agendaInvalid: reading.invalid.length,
				polls: []
			});
			const convocation = await coordinator.get(`/api/v1/meetings/${meeting.id}/convocation`);
			expect(convocation.status).toBe(200);
			return reading;
		};

		let refused = 0;
		let accepted = 0;
		await fc.assert(
			fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 4 }), async (ops) => {
				const client = open(meeting.agendaDoc, f.alice);
				await synced(client);
				client.doc.transact(() => ops.forEach((o) => apply(client.doc, o)));
				// A barrier: the server answers this sync step 1 only after handling the update.
				const answers = client.syncAnswers;
				client.provider.ws?.send(syncMessage((e) => syncProtocol.writeSyncStep1(e, client.doc)));
				await waitUntil(() => client.closes.length > 0 || client.syncAnswers > answers, 10_000, 'the update handled');
				if (client.closes.length > 0) {
					refused += 1;
					expect([yjsCloseCodes.invalidAgenda, yjsCloseCodes.tooLarge]).toContain(client.closes[0].code);
				} else {
					accepted += 1;
				}
				client.destroy();
				await syncRoundTrip(watcher);
				// The server never let the agenda become invalid (two copies of an item are allowed).
				const entries = agendaItems(watcher.doc).toArray() as unknown[];
				expect(entries.length).toBeLessThanOrEqual(100);
				expect(entries.map(agendaEntryProblem).filter(Boolean)).toEqual([]);
				const reading = await readAll(watcher.doc);
				expect(reading.invalid.filter((entry) => entry.problem !== 'duplicate_id')).toEqual([]);
			}),
			{ numRuns: 60 }
		);
		expect(refused).toBeGreaterThan(5);
		expect(accepted).toBeGreaterThan(5);

		// The readers that need the meeting over, and the stored agenda: valid as well.
		const pdf = await coordinator.get(`/api/v1/meetings/${meeting.id}/convocation/export?format=pdf`);
		expect(pdf.status).toBe(200);
		expect((await coordinator.post(`/api/v1/meetings/${meeting.id}/status`, { status: 'live' })).status).toBe(200);
		expect((await coordinator.post(`/api/v1/meetings/${meeting.id}/status`, { status: 'closed' })).status).toBe(200);
		expect((await coordinator.get(`/api/v1/meetings/${meeting.id}/minutes`)).status).toBe(200);
		const stored = await createPostgresYjsStore(server.app.context.db).load(meeting.agendaDoc);
		const storedDoc = new Y.Doc();
		Y.applyUpdate(storedDoc, stored!.state);
		expect((agendaItems(storedDoc).toArray() as unknown[]).map(agendaEntryProblem).filter(Boolean)).toEqual([]);
	});

	it('closes every truncation of a valid message with 4400', async () => {
		const update = validMessages()[2];
		for (const length of [1, 2, 3, Math.floor(update.length / 2), update.length - 1]) {
			const result = await outcome(f.agendaDoc, update.slice(0, length));
			expect(result).toMatchObject({ code: yjsCloseCodes.badMessage });
		}
	});

	it('closes a frame over TAVOLO_YJS_MAX_FRAME_BYTES with 1009 and keeps the room', async () => {
		const a = open(f.agendaDoc, f.alice);
		const b = open(f.agendaDoc, f.bob);
		await Promise.all([synced(a), synced(b)]);
		const connection = await raw(f.agendaDoc);
		connection.socket.send(new Uint8Array(maxFrame + 1));
		expect((await connection.closed).code).toBe(yjsCloseCodes.frameTooLarge);
		a.doc.getText('t').insert(0, 'dopo');
		await waitUntil(() => b.doc.getText('t').toString().includes('dopo'), 5000, 'a later edit at b');
	});

	it('refuses an update that would push the document past TAVOLO_YJS_MAX_DOC_BYTES with 4413', async () => {
		const meeting = await server.app.context.db
			.insertInto('meetings')
			.values({
				id: 'bigdoc' + Date.now().toString(36),
				table_id: f.tableId,
				title: 'Grande',
				starts_at: new Date(),
				ends_at: new Date(Date.now() + 1000)
			})
			.returning('id')
			.executeTakeFirstOrThrow();
		const docName = `agenda:${meeting.id}`;
		const writer = open(docName, f.alice);
		const reader = open(docName, f.bob);
		await Promise.all([synced(writer), synced(reader)]);
		writer.doc.getText('t').insert(0, 'x'.repeat(maxDoc / 2));
		await waitUntil(() => reader.doc.getText('t').length === maxDoc / 2, 5000, 'the first half at the reader');
		writer.doc.getText('t').insert(0, 'y'.repeat(maxDoc));
		await waitUntil(() => writer.closes.length > 0, 10_000, 'close of the writer');
		expect(writer.closes[0]).toEqual({ code: yjsCloseCodes.tooLarge, reason: 'document_too_large' });
		expect(reader.doc.getText('t').length).toBe(maxDoc / 2);
		expect(reader.closes).toHaveLength(0);
	});

	it('accepts "delete everything" in a document filled to just under the limit, and saves it', async () => {
		const docName = await newDocument();
		const writer = open(docName, f.alice);
		const reader = open(docName, f.bob);
		await Promise.all([synced(writer), synced(reader)]);
		// Two bytes under the limit: any update whose bytes are merged into the state (what the
		// old estimate did) counted more than that, deletions included.
		const text = writer.doc.getText('t');
		text.insert(0, 'x'.repeat(charsForEncodedSize(maxDoc - 2, writer.doc.clientID)));
		expect(Y.encodeStateAsUpdate(writer.doc).byteLength).toBe(maxDoc - 2);
		await waitUntil(() => reader.doc.getText('t').length === text.length, 5000, 'the full text at the reader');
		text.delete(0, text.length);
		await waitUntil(() => reader.doc.getText('t').length === 0, 5000, 'the deletion at the reader');
		text.insert(0, 'ricomincio');
		await waitUntil(() => reader.doc.getText('t').toString() === 'ricomincio', 5000, 'a new edit at the reader');
		await saved(writer);
		expect(writer.closes).toEqual([]);
		expect(await storedText(docName)).toBe('ricomincio');
	});

	it('accepts any update that shrinks a document over the limit, and lets a coordinator clear it piece by piece', async () => {
		// A document saved under a larger limit (here the test server's), then opened by an
		// endpoint with a smaller one: it is over the limit from the start.
		const docName = await newDocument();
		const filler = open(docName, f.alice);
		await synced(filler);
		filler.doc.getText('t').insert(0, 'x'.repeat(20_000));
		await saved(filler);
		const bare = await startBareEndpoint(server.app, { limits: { yjsMaxDocBytes: 8 * 1024 } });
		const connect = (person: Fixture['alice']) => {
			const client = connectBare(bare, docName, person);
			clients.push(client);
			return client;
		};
		try {
			const alice = connect(f.alice);
			const bob = connect(f.bob);
			const coordinator = connect(carla);
			const admin = connect(f.admin);
			const watcher = connect(f.olga);
			await Promise.all([alice, bob, coordinator, admin, watcher].map(synced));
			const length = () => watcher.doc.getText('t').length;
			expect(length()).toBe(20_000);

			// A participant's growing update is refused, as ever.
			alice.doc.getText('t').insert(10_000, 'più');
			await waitUntil(() => alice.closes.length > 0, 10_000, 'close of the growing writer');
			expect(alice.closes[0]).toEqual({ code: yjsCloseCodes.tooLarge, reason: 'document_too_large' });

			// Deleting a big range shrinks the document: anyone who writes may.
			bob.doc.getText('t').delete(0, 5000);
			await waitUntil(() => length() === 15_000, 5000, 'the shrinking deletion at the watcher');

			// Deleting one character inside the text splits it: the encoding grows by a few bytes.
			// Refused for a participant, accepted for a coordinator and an admin (recovery).
			const grown = (client: Client, at: number) => {
				const before = Y.encodeStateAsUpdate(client.doc).byteLength;
				client.doc.getText('t').delete(at, 1);
				return Y.encodeStateAsUpdate(client.doc).byteLength > before;
			};
			expect(grown(bob, 7000)).toBe(true);
			await waitUntil(() => bob.closes.length > 0, 10_000, 'close of the participant');
			expect(bob.closes[0]).toEqual({ code: yjsCloseCodes.tooLarge, reason: 'document_too_large' });
			expect(grown(coordinator, 7000)).toBe(true);
			await waitUntil(() => length() === 14_999, 5000, "the coordinator's deletion at the watcher");
			expect(grown(admin, 3000)).toBe(true);
			await waitUntil(() => length() === 14_998, 5000, "the admin's deletion at the watcher");
			// A recovering connection still may not grow the document with new content.
			coordinator.doc.getText('t').insert(0, 'nuovo');
			await waitUntil(() => coordinator.closes.length > 0, 10_000, 'close of the coordinator adding text');
			expect(coordinator.closes[0]).toEqual({ code: yjsCloseCodes.tooLarge, reason: 'document_too_large' });

			const text = admin.doc.getText('t');
			text.delete(0, text.length);
			await waitUntil(() => length() === 0, 5000, 'the clearing at the watcher');
			text.insert(0, 'di nuovo sotto il limite');
			await waitUntil(() => watcher.doc.getText('t').toString() === 'di nuovo sotto il limite', 5000, 'a new edit');
			await syncRoundTrip(admin);
			expect(admin.closes).toEqual([]);
			await saved(admin);
		} finally {
			await bare.close();
		}
		expect(await storedText(docName)).toBe('di nuovo sotto il limite');
	});

	it('refuses an awareness state over TAVOLO_YJS_MAX_AWARENESS_BYTES with 4413', async () => {
		const a = open(f.documentDoc, f.alice);
		await synced(a);
		a.provider.awareness.setLocalState({ user: { name: 'A' }, blob: 'z'.repeat(maxAwareness) });
		await waitUntil(() => a.closes.length > 0, 10_000, 'close');
		expect(a.closes[0]).toEqual({ code: yjsCloseCodes.tooLarge, reason: 'awareness_too_large' });
	});

	it('holds back awareness beyond the per-second rate and delivers the newest state', async () => {
		const a = open(f.documentDoc, f.alice);
		const b = open(f.documentDoc, f.bob);
		await Promise.all([synced(a), synced(b)]);
		for (let i = 0; i < 100; i++) a.provider.awareness.setLocalStateField('cursor', i);
		await waitUntil(
			() => (b.provider.awareness.getStates().get(a.doc.clientID) as { cursor?: number } | undefined)?.cursor === 99,
			3000,
			'the newest cursor at b'
		);
		expect(a.closes).toHaveLength(0);
	});

	it('closes a connection that floods while the document loads with 4429', async () => {
		let release: () => void = () => undefined;
		const gate = new Promise<void>((resolve) => (release = resolve));
		const real = createPostgresYjsStore(server.app.context.db);
		const slow: YjsStore = { ...real, load: async (docName) => (await gate, real.load(docName)) };
		const bare = await startBareEndpoint(server.app, { store: slow, limits: { yjsLoadBufferMessages: 5 } });
		try {
			const flooder = await rawConnect(`${bare.yjsUrl}/${f.documentDoc}`, { Cookie: f.alice.cookie, Origin: bare.origin });
			const patient = connectBare(bare, f.documentDoc, f.bob);
			clients.push(patient);
			for (let i = 0; i < 6; i++) flooder.socket?.send(new Uint8Array([messageQueryAwareness]));
			expect(await flooder.closed).toMatchObject({ code: yjsCloseCodes.loadBufferFull });
			release();
			await synced(patient);
		} finally {
			release();
			await bare.close();
		}
	});
});
