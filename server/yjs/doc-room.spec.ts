import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { Registry } from 'prom-client';
import * as Y from 'yjs';
import type { SessionUser } from '../../src/lib/server/auth/sessions.ts';
import {
	isCoveredBy,
	messageAwareness,
	messageQueryAwareness,
	messageSync,
	snapshotOfUpdates,
	yjsCloseCodes,
	type ReadOnlyReason
} from '../../src/lib/realtime/yjs-messages.ts';
import { TestNetwork, type TestServerSocket, type TestYjsClient } from '../../tests/support/yjs-socket-pair.ts';
import { createCommitScheduler, type CommitScheduler } from '../persistence/commit-scheduler.ts';
import { createMemoryYjsStore } from '../persistence/memory-yjs-store.ts';
import type { YjsStore } from '../persistence/yjs-store.ts';
import { encodeAwarenessEntry } from './awareness-entries.ts';
import { createConnection, type Connection } from './connection.ts';
import { agendaItems, findItemMap, readAgenda } from '../../src/lib/agenda/agenda-doc.ts';
import { DocRoom, syncUpdateMessage } from './doc-room.ts';
import type { YjsLimits } from './limits.ts';
import { createYjsMetrics, type YjsMetrics } from './yjs-metrics.ts';

/**
 * The room on its own: real y-protocols frames over in-memory socket pairs (no network, no
 * timers), the in-memory store, the real commit scheduler. As in sync-endpoint.ts, the first
 * connections join while the room loads. Frames move when a test flushes the network, commits
 * when it awaits `scheduler.flush()` (the scheduler's own delay is far beyond any test).
 */

const docName = 'document:room1';
const agendaName = 'agenda:meeting1';
const person = (name: string): SessionUser => ({
	id: `u-${name.toLowerCase()}`,
	email: `${name.toLowerCase()}@example.it`,
	name,
	isAdmin: false,
	emailVerified: true
});
const alice = person('Alice');
const bob = person('Bob');
const carla = person('Carla');
const olga = person('Olga');

const limits: YjsLimits = {
	yjsMaxFrameBytes: 64 * 1024,
	yjsMaxDocBytes: 4096,
	yjsMaxAwarenessBytes: 512,
	yjsAwarenessPerSecond: 1000,
	yjsLoadBufferMessages: 5,
	// Far beyond any test: commits run when a test flushes the scheduler.
	yjsCommitDelayMs: 60_000,
	yjsCompactAfter: 1000
};

function deferred<T = void>() {
	let resolve!: (value: T) => void;
	const promise = new Promise<T>((done) => (resolve = done));
	return { promise, resolve };
}

/** The in-memory store, with loads and appends a test can hold back or make fail. */
function scriptedStore() {
	const inner = createMemoryYjsStore();
	let appendWaiters: Array<() => void> = [];
	const script = {
		inner,
		/** While set, load waits for it. */
		loadGate: null as Promise<void> | null,
		/** While set, append waits for it (the INSERT is in flight). */
		appendGate: null as Promise<void> | null,
		failAppends: false,
		appendCalls: 0,
		/** Resolves when append is next called. */
		nextAppend(): Promise<void> {
			const next = deferred();
			appendWaiters.push(next.resolve);
			return next.promise;
		}
	};
	const store: YjsStore = {
		async load(name) {
			if (script.loadGate) await script.loadGate;
			return inner.load(name);
		},
		async append(entries) {
			script.appendCalls += 1;
			const waiters = appendWaiters;
			appendWaiters = [];
			for (const wake of waiters) wake();
			if (script.appendGate) await script.appendGate;
			if (script.failAppends) throw new Error('database is down');
			return inner.append(entries);
		},
		compact: (name) => inner.compact(name)
	};
	return { store, script };
}

async function storedDoc(store: YjsStore, name = docName): Promise<Y.Doc> {
	const doc = new Y.Doc();
	const stored = await store.load(name);
	if (stored) Y.applyUpdate(doc, stored.state);
	return doc;
}

/** A counter's or gauge's value for these labels (prom-client). */
async function counter(
	metric: { get(): Promise<{ values: Array<{ value: number; labels: Partial<Record<string, string | number>> }> }> },
	labels: Record<string, string> = {}
): Promise<number> {
	const { values } = await metric.get();
	const match = values.find((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted));
	return match?.value ?? 0;
}

interface RoomHarness {
	room: DocRoom;
	network: TestNetwork;
	store: YjsStore;
	script: ReturnType<typeof scriptedStore>['script'];
	scheduler: CommitScheduler<Y.Snapshot>;
	metrics: YjsMetrics;
	/** Resolves when the room left memory (onGone). */
	gone: Promise<void>;
	/** The room's load, started by openRoom; the connections made before it ends are greeted then. */
	loaded: Promise<void>;
	/** The load ends, then the network runs. */
	ready(): Promise<void>;
	/** Waits for the room's background work (compactions, resyncs). */
	settle(): Promise<void>;
	/** A connection as sync-endpoint.ts makes one: joined, wired to the pair's server end, greeted. */
	connect(
		user: SessionUser,
		readOnly?: ReadOnlyReason,
		before?: (client: TestYjsClient) => void
	): { conn: Connection; client: TestYjsClient; server: TestServerSocket };
}

const harnesses: RoomHarness[] = [];

afterEach(() => {
	for (const h of harnesses.splice(0)) {
		h.network.destroy();
		h.scheduler.close();
		h.room.leaveMemory();
	}
});

async function openRoom(options: { holdLoad?: Promise<void>; seed?: (doc: Y.Doc) => void; agenda?: boolean } = {}): Promise<RoomHarness> {
	const { store, script } = scriptedStore();
	const name = options.agenda ? agendaName : docName;
	if (options.seed) {
		const seed = new Y.Doc();
		options.seed(seed);
		await store.append([{ docName: name, update: Y.encodeStateAsUpdate(seed) }]);
	}
	const logger = pino({ level: 'silent' });
	const metrics = createYjsMetrics(new Registry());
	const scheduler = createCommitScheduler<Y.Snapshot>({
		store,
		delayMs: limits.yjsCommitDelayMs,
		logger,
		backoffMs: { initial: 60_000, max: 60_000 }
	});
	const background = new Set<Promise<unknown>>();
	const gone = deferred();
	const room = new DocRoom({
		docName: name,
		ref: options.agenda ? { kind: 'agenda', meetingId: 'meeting1' } : { kind: 'document', documentId: 'room1' },
		tableId: 'table1',
		documentStatus: 'draft',
		store,
		scheduler,
		limits,
		logger,
		metrics,
		isShuttingDown: () => false,
		onGone: () => gone.resolve(),
		track: (work) => {
			background.add(work);
		}
	});
	const network = new TestNetwork();
	// Only this first load waits for holdLoad.
	script.loadGate = options.holdLoad ?? null;
	const loaded = room.load();
	script.loadGate = null;
	const h: RoomHarness = {
		room,
		network,
		store,
		script,
		scheduler,
		metrics,
		gone: gone.promise,
		loaded,
		async ready() {
			await loaded;
			network.flush();
		},
		async settle() {
			while (background.size > 0) {
				const work = [...background];
				background.clear();
				await Promise.allSettled(work);
			}
		},
		connect(user, readOnly, before) {
			const pair = network.connect();
			const conn = createConnection(pair.server, user, `session-${user.id}`, readOnly !== undefined, readOnly ?? '');
			pair.server.onMessage = (message) => room.receive(conn, message);
			pair.server.onClose = () => room.leave(conn);
			before?.(pair.client);
			room.join(conn);
			pair.client.open();
			return { conn, client: pair.client, server: pair.server };
		}
	};
	harnesses.push(h);
	return h;
}

describe('DocRoom', () => {
	it('syncs both ways on join: its step 1 first, then step 2 in answer to each side', async () => {
		const h = await openRoom({ seed: (doc) => doc.getText('t').insert(0, 'dal database') });
		const { client: a } = h.connect(alice, undefined, (client) => client.doc.getMap('m').set('offline', 'scritto prima'));
		await h.ready();

		expect(a.received[0]).toBe('sync:1');
		expect(a.synced).toBe(true);
		expect(a.doc.getText('t').toString()).toBe('dal database');
		// The client's step 2 answered the room's step 1: its offline edit is in the room, and saved.
		expect(h.room.doc.getMap('m').get('offline')).toBe('scritto prima');
		await h.scheduler.flush();
		expect((await storedDoc(h.store)).getMap('m').get('offline')).toBe('scritto prima');
	});

	it('sends an update to every other connection and not back to its sender', async () => {
		const h = await openRoom();
		const { client: a } = h.connect(alice);
		const { client: b } = h.connect(bob);
		const { client: c } = h.connect(carla);
		await h.ready();
		const seenByA = a.received.length;
		const appliedBefore = await counter(h.metrics.updatesApplied);

		a.doc.getText('t').insert(0, 'ciao');
		h.network.flush();
		expect(b.doc.getText('t').toString()).toBe('ciao');
		expect(c.doc.getText('t').toString()).toBe('ciao');
		expect(h.room.doc.getText('t').toString()).toBe('ciao');
		expect(a.received.slice(seenByA)).not.toContain('sync:update');
		expect(b.received.filter((kind) => kind === 'sync:update')).toHaveLength(1);
		expect(await counter(h.metrics.updatesApplied)).toBe(appliedBefore + 1);
	});

	it('drops a read-only connection’s updates: never applied, sent on or committed, while it keeps receiving', async () => {
		const h = await openRoom();
		const { client: a } = h.connect(alice);
		const { client: o } = h.connect(olga, 'observer');
		await h.ready();
		expect(o.readOnly).toEqual({ readOnly: true, reason: 'observer' });
		expect(a.readOnly).toBeNull();
		const droppedBefore = await counter(h.metrics.updatesDropped, { reason: 'read_only' });

		o.doc.getMap('m').set('observer', 'scritto');
		a.doc.getMap('m').set('alice', 'scritto');
		h.network.flush();
		expect(h.room.doc.getMap('m').get('observer')).toBeUndefined();
		expect(a.doc.getMap('m').get('observer')).toBeUndefined();
		expect(o.doc.getMap('m').get('alice')).toBe('scritto');
		expect(o.closed).toBeNull();
		expect(await counter(h.metrics.updatesDropped, { reason: 'read_only' })).toBe(droppedBefore + 1);

		await h.scheduler.flush();
		h.network.flush();
		const stored = await storedDoc(h.store);
		expect(stored.getMap('m').get('observer')).toBeUndefined();
		expect(stored.getMap('m').get('alice')).toBe('scritto');
		// Nothing of the reader's awaited saving: it got the ack on join and no other.
		expect(o.acks).toHaveLength(1);
	});

	it('switches a connection to read-only and back in place, telling it each time', async () => {
		const h = await openRoom();
		const { conn, client: a } = h.connect(alice);
		await h.ready();
		const droppedBefore = await counter(h.metrics.updatesDropped, { reason: 'read_only' });

		h.room.setReadOnly(conn, true, 'final');
		h.network.flush();
		expect(a.readOnly).toEqual({ readOnly: true, reason: 'final' });
		a.doc.getMap('m').set('while final', 1);
		h.network.flush();
		expect(h.room.doc.getMap('m').has('while final')).toBe(false);
		expect(await counter(h.metrics.updatesDropped, { reason: 'read_only' })).toBe(droppedBefore + 1);

		// (The editor makes no edits while read-only: a dropped edit leaves a gap in its clock that
		// keeps its later edits pending in every other copy of the document.)
		h.room.setReadOnly(conn, false, '');
		h.network.flush();
		expect(a.readOnly).toEqual({ readOnly: false, reason: '' });
		expect(a.closed).toBeNull();
	});

	it('closes with 4413 an update that would pass TAVOLO_YJS_MAX_DOC_BYTES and applies none of it', async () => {
		const h = await openRoom();
		const { client: writer } = h.connect(alice);
		const { client: reader } = h.connect(bob);
		await h.ready();
		writer.doc.getText('t').insert(0, 'x'.repeat(limits.yjsMaxDocBytes / 2));
		h.network.flush();
		expect(reader.doc.getText('t').length).toBe(limits.yjsMaxDocBytes / 2);

		writer.doc.getText('t').insert(0, 'y'.repeat(limits.yjsMaxDocBytes));
		h.network.flush();
		expect(writer.closed).toEqual({ code: yjsCloseCodes.tooLarge, reason: 'document_too_large' });
		expect(h.room.doc.getText('t').length).toBe(limits.yjsMaxDocBytes / 2);
		expect(reader.doc.getText('t').length).toBe(limits.yjsMaxDocBytes / 2);
		expect(reader.closed).toBeNull();
		expect(h.room.size).toBe(1);
		expect(await counter(h.metrics.connectionsClosed, { code: String(yjsCloseCodes.tooLarge) })).toBe(1);
	});

	it('closes with 4413 an awareness state over TAVOLO_YJS_MAX_AWARENESS_BYTES, which nobody sees', async () => {
		const h = await openRoom();
		const { client: a } = h.connect(alice);
		const { client: b } = h.connect(bob);
		await h.ready();

		a.awareness.setLocalState({ user: { name: 'A' }, blob: 'z'.repeat(limits.yjsMaxAwarenessBytes) });
		h.network.flush();
		expect(a.closed).toEqual({ code: yjsCloseCodes.tooLarge, reason: 'awareness_too_large' });
		expect(JSON.stringify([...b.awareness.getStates().values()])).not.toContain('zzz');
		expect(b.closed).toBeNull();
	});

	it('closes an undecodable frame with 4400 and a reason, and only that connection', async () => {
		const h = await openRoom();
		const clients = [h.connect(alice).client, h.connect(bob).client, h.connect(carla).client];
		const { client: bystander } = h.connect(olga);
		await h.ready();
		clients[0].send(Uint8Array.from([messageSync, 7]));
		clients[1].send(Uint8Array.from([42]));
		// A sync update announcing 10 bytes and carrying none.
		clients[2].send(Uint8Array.from([messageSync, 2, 10]));
		h.network.flush();
		expect(clients.map((client) => client.closed)).toEqual([
			{ code: yjsCloseCodes.badMessage, reason: 'unknown_sync_message' },
			{ code: yjsCloseCodes.badMessage, reason: 'unknown_message_type' },
			{ code: yjsCloseCodes.badMessage, reason: 'bad_message' }
		]);
		expect(bystander.closed).toBeNull();
		expect(h.room.size).toBe(1);
	});

	it('closes with 1013 a connection that reads too slowly, and keeps the others', async () => {
		const h = await openRoom();
		const { client: a } = h.connect(alice);
		const { client: slow, server: slowSocket } = h.connect(bob);
		await h.ready();
		slowSocket.bufferedAmount = limits.yjsMaxDocBytes + limits.yjsMaxFrameBytes + 1;
		a.doc.getText('t').insert(0, 'per chi legge piano');
		h.network.flush();
		expect(slow.closed).toEqual({ code: yjsCloseCodes.slowConsumer, reason: 'slow_consumer' });
		expect(a.closed).toBeNull();
		expect(h.room.size).toBe(1);
		expect(await counter(h.metrics.connectionsClosed, { code: String(yjsCloseCodes.slowConsumer) })).toBe(1);
	});

	it('holds messages while the document loads, and closes with 4429 past TAVOLO_YJS_LOAD_BUFFER_MESSAGES', async () => {
		const load = deferred();
		const h = await openRoom({ holdLoad: load.promise, seed: (doc) => doc.getText('t').insert(0, 'salvato') });
		// Greeting: sync step 1 and the initial awareness, then four queries: 6 frames, 5 may wait.
		const { client: flooder } = h.connect(alice);
		for (let i = 0; i < 4; i++) flooder.send(Uint8Array.from([messageQueryAwareness]));
		const { client: patient } = h.connect(bob);
		patient.doc.getText('t').insert(0, 'mentre carica: ');
		h.network.flush();
		expect(flooder.closed).toEqual({ code: yjsCloseCodes.loadBufferFull, reason: 'load_buffer_full' });
		expect(patient.closed).toBeNull();
		expect(patient.received).toEqual([]);

		load.resolve();
		await h.loaded;
		h.network.flush();
		expect(patient.synced).toBe(true);
		expect(h.room.doc.getText('t').toString()).toContain('mentre carica: ');
		expect(patient.doc.getText('t').toString()).toContain('salvato');
		expect(h.room.size).toBe(1);
	});

	it('acks a commit with message 101 only once it is in the store, and only to its writers', async () => {
		const h = await openRoom();
		const { client: writer } = h.connect(alice);
		const { client: reader } = h.connect(bob);
		await h.ready();
		// The ack on join: everything stored so far.
		expect(writer.acks).toHaveLength(1);
		expect(reader.acks).toHaveLength(1);

		writer.doc.getText('t').insert(0, 'da salvare');
		writer.doc.getText('t').delete(0, 3);
		h.network.flush();
		expect(isCoveredBy(snapshotOfUpdates(writer.own), writer.durable!)).toBe(false);

		const insert = deferred();
		h.script.appendGate = insert.promise;
		const appending = h.script.nextAppend();
		const commit = h.scheduler.flush();
		await appending;
		h.network.flush();
		expect(writer.acks).toHaveLength(1);

		insert.resolve();
		await commit;
		h.network.flush();
		expect(writer.acks).toHaveLength(2);
		expect(isCoveredBy(snapshotOfUpdates(writer.own), writer.durable!)).toBe(true);
		expect(reader.acks).toHaveLength(1);
		expect((await storedDoc(h.store)).getText('t').toString()).toBe('salvare');
	});

	it('keeps a document whose commit failed in memory, still syncing, and saves it on the retry', async () => {
		const h = await openRoom();
		const { client: a } = h.connect(alice);
		const { client: b } = h.connect(bob);
		await h.ready();
		h.script.failAppends = true;

		a.doc.getText('t').insert(0, 'durante il guasto');
		h.network.flush();
		await expect(h.scheduler.flush()).rejects.toThrow('database is down');
		h.network.flush();
		expect(a.acks).toHaveLength(1);
		expect(h.room.hasUnsaved()).toBe(true);
		// Broadcasting goes on meanwhile.
		a.doc.getText('t').insert(0, '> ');
		h.network.flush();
		expect(b.doc.getText('t').toString()).toBe('> durante il guasto');

		// Everyone leaves: the room asks for a commit on the way out, which fails too.
		const commitOnLeave = h.script.nextAppend();
		a.disconnect();
		b.disconnect();
		h.network.flush();
		await commitOnLeave;
		expect(h.room.size).toBe(0);
		expect(h.room.isGone).toBe(false);
		expect(h.room.hasUnsaved()).toBe(true);
		expect(await h.store.load(docName)).toBeNull();

		// The scheduler's retry (its backoff timer, here called directly) finds the updates still there.
		h.script.failAppends = false;
		await h.scheduler.flush();
		await h.settle();
		expect(h.room.isGone).toBe(true);
		expect((await storedDoc(h.store)).getText('t').toString()).toBe('> durante il guasto');
	});

	it('lets each connection speak only for its own awareness clientID, under the session’s name', async () => {
		const h = await openRoom();
		const { client: a } = h.connect(alice);
		const { client: b } = h.connect(bob);
		await h.ready();

		a.awareness.setLocalState({ user: { name: 'Bob il falso' }, cursor: 7 });
		b.awareness.setLocalState({ cursor: 1 });
		h.network.flush();
		expect(b.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'Alice' }, cursor: 7 });
		expect(h.room.awareness.getStates().get(b.doc.clientID)).toEqual({ user: { name: 'Bob' }, cursor: 1 });

		// b sends a newer state for a's clientID: ignored (the stock provider's echoes look the same),
		// and b is not closed for it.
		const forged = encoding.createEncoder();
		encoding.writeVarUint(forged, messageAwareness);
		encoding.writeVarUint8Array(forged, encodeAwarenessEntry({ clientId: a.doc.clientID, clock: 100, json: '{"cursor":0}' }));
		b.send(encoding.toUint8Array(forged));
		h.network.flush();
		expect(h.room.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'Alice' }, cursor: 7 });
		expect(b.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'Alice' }, cursor: 7 });
		expect(b.closed).toBeNull();
	});

	it('removes a connection’s awareness when it leaves, for everyone', async () => {
		const h = await openRoom();
		const { client: a } = h.connect(alice);
		const { client: b } = h.connect(bob);
		a.awareness.setLocalStateField('cursor', 3);
		b.awareness.setLocalStateField('cursor', 4);
		await h.ready();
		expect(b.awareness.getStates().has(a.doc.clientID)).toBe(true);

		a.disconnect();
		h.network.flush();
		expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false);
		expect(h.room.awareness.getStates().has(a.doc.clientID)).toBe(false);
		expect(h.room.awareness.getStates().has(b.doc.clientID)).toBe(true);
	});

	it('commits, compacts and leaves memory once the last connection left', async () => {
		const h = await openRoom();
		const { client: a } = h.connect(alice);
		await h.ready();
		a.doc.getText('t').insert(0, 'prima di uscire');
		h.network.flush();
		a.disconnect();
		h.network.flush();

		// Nobody flushes the scheduler here: the room does it itself on the way out.
		await h.gone;
		expect(h.room.isGone).toBe(true);
		const stored = await h.store.load(docName);
		expect(stored?.tailRows).toBe(0);
		expect((await storedDoc(h.store)).getText('t').toString()).toBe('prima di uscire');
		expect(await counter(h.metrics.documentsLoaded)).toBe(0);
		expect(await counter(h.metrics.connections)).toBe(0);
		expect(await counter(h.metrics.pendingUpdates)).toBe(0);
		expect(await counter(h.metrics.compactions, { result: 'ok' })).toBe(1);
	});
});

describe('DocRoom with an agenda written by older versions', () => {
	/** Items as Tavolo saved them before issue 12: plain-string title and presenter, no position key. */
	const seedLegacy = (doc: Y.Doc) => {
		for (const [id, title] of [
			['vecchio1', 'Punto di una volta'],
			['vecchio2', 'Varie']
		]) {
			const map = new Y.Map<unknown>();
			for (const [key, value] of Object.entries({ id, title, minutes: 10, presenter: 'Anna', status: 'todo' })) map.set(key, value);
			map.set('notes', new Y.Text(''));
			agendaItems(doc).push([map]);
		}
	};

	/** A keystroke at a time; a plain string is turned into a Y.Text holding the typed value, as browsers did before the server upgraded agendas. */
	const type = (doc: Y.Doc, at: number, text: string) => {
		for (const [i, letter] of [...text].entries()) {
			const map = findItemMap(doc, 'vecchio1')!;
			const value = map.get('title');
			if (value instanceof Y.Text) value.insert(at + i, letter);
			else map.set('title', new Y.Text(String(value).slice(0, at + i) + letter + String(value).slice(at + i)));
		}
	};

	it('upgrades it before greeting anyone, in one stored update, so two first edits of one title at once both survive', async () => {
		const h = await openRoom({ agenda: true, seed: seedLegacy });
		const { client: a } = h.connect(alice);
		const { client: b } = h.connect(bob);
		await h.ready();
		// The upgrade came in the first sync, not as an update after it.
		expect(a.received).toContain('sync:2');
		expect(a.received).not.toContain('sync:update');
		for (const client of [a, b]) {
			expect(findItemMap(client.doc, 'vecchio1')!.get('title')).toBeInstanceOf(Y.Text);
			expect(findItemMap(client.doc, 'vecchio2')!.get('presenter')).toBeInstanceOf(Y.Text);
		}
		// Both type before either hears the other.
		type(a.doc, 0, 'Primo: ');
		type(b.doc, 'Punto di una volta'.length, ' (rivisto)');
		h.network.flush();
		for (const doc of [a.doc, b.doc, h.room.doc]) {
			expect(readAgenda(doc).map((item) => [item.title, item.presenter])).toEqual([
				['Primo: Punto di una volta (rivisto)', 'Anna'],
				['Varie', 'Anna']
			]);
		}
		await h.scheduler.flush();
		const stored = await storedDoc(h.store, agendaName);
		expect(readAgenda(stored)[0].title).toBe('Primo: Punto di una volta (rivisto)');
		expect(findItemMap(stored, 'vecchio2')!.get('title')).toBeInstanceOf(Y.Text);
		expect(typeof findItemMap(stored, 'vecchio2')!.get('position')).toBe('string');
	});

	it('turns a plain string an older client writes into a Y.Text at once, for everyone', async () => {
		const h = await openRoom({ agenda: true, seed: seedLegacy });
		const { client: a } = h.connect(alice);
		const { client: b } = h.connect(bob);
		await h.ready();
		findItemMap(a.doc, 'vecchio2')!.set('presenter', 'Dott.ssa Rossi');
		h.network.flush();
		for (const doc of [a.doc, b.doc, h.room.doc]) {
			expect(findItemMap(doc, 'vecchio2')!.get('presenter')).toBeInstanceOf(Y.Text);
			expect(readAgenda(doc)[1].presenter).toBe('Dott.ssa Rossi');
		}
	});
});

describe('syncUpdateMessage', () => {
	it('writes the same bytes as the lib0 encoder for every length class of the varuint', () => {
		for (const length of [0, 1, 127, 128, 16_383, 16_384, 2_097_152]) {
			const update = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) % 256);
			const encoder = encoding.createEncoder();
			encoding.writeVarUint(encoder, 0);
			syncProtocol.writeUpdate(encoder, update);
			expect(Buffer.compare(syncUpdateMessage(update), Buffer.from(encoding.toUint8Array(encoder)))).toBe(0);
		}
	});
});
