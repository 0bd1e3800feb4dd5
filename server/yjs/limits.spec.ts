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
import {
	connectBare,
	connectClient,
	createFixture,
	rawConnect,
	startBareEndpoint,
	startYjsTestServer,
	synced,
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

beforeAll(async () => {
	server = await startYjsTestServer({
		TAVOLO_YJS_MAX_FRAME_BYTES: String(maxFrame),
		TAVOLO_YJS_MAX_DOC_BYTES: String(maxDoc),
		TAVOLO_YJS_MAX_AWARENESS_BYTES: String(maxAwareness)
	});
	f = await createFixture(server.app);
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
