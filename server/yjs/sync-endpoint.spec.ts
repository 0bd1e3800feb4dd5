import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { isCoveredBy, messageDurable, messageReadOnly, yjsCloseCodes } from '../../src/lib/realtime/yjs-messages.ts';
import {
	connectClient,
	createFixture,
	rawConnect,
	startYjsTestServer,
	synced,
	syncRoundTrip,
	type Client,
	type Fixture,
	type YjsTestServer
} from '../../tests/support/yjs-harness.ts';
import { waitUntil } from '../../tests/support/wait-until.ts';

let server: YjsTestServer;
let f: Fixture;
const clients: Client[] = [];

const open = (docName: string, person: Fixture['alice'], origin?: string, options?: { stock?: boolean }) => {
	const client = connectClient(server, docName, person, origin, options);
	clients.push(client);
	return client;
};

async function storedState(docName: string): Promise<Y.Doc> {
	const rows = await server.app.context.db
		.selectFrom('yjs_updates')
		.select('update')
		.where('doc_name', '=', docName)
		.orderBy('id')
		.execute();
	const snapshot = await server.app.context.db
		.selectFrom('yjs_snapshots')
		.select('state')
		.where('doc_name', '=', docName)
		.executeTakeFirst();
	const doc = new Y.Doc();
	if (snapshot) Y.applyUpdate(doc, new Uint8Array(snapshot.state));
	for (const row of rows) Y.applyUpdate(doc, new Uint8Array(row.update));
	return doc;
}

beforeAll(async () => {
	server = await startYjsTestServer();
	f = await createFixture(server.app);
});

afterEach(() => {
	for (const client of clients.splice(0)) client.destroy();
});

afterAll(async () => {
	await server.dispose();
});

describe('/yjs sync', () => {
	it('lets two members converge on a document and on an agenda', async () => {
		for (const docName of [f.documentDoc, f.agendaDoc]) {
			const a = open(docName, f.alice);
			const b = open(docName, f.bob);
			await Promise.all([synced(a), synced(b)]);
			a.doc.getText('t').insert(0, 'ciao ');
			b.doc.getText('t').insert(0, 'mondo ');
			await waitUntil(
				() => a.doc.getText('t').toString() === b.doc.getText('t').toString() && a.doc.getText('t').length === 11,
				5000,
				`a and b to converge on ${docName}`
			);
			expect(a.doc.getText('t').toString()).toBe(b.doc.getText('t').toString());
		}
	});

	it('drops an observer’s edits but keeps sending them everyone else’s', async () => {
		const a = open(f.documentDoc, f.alice);
		const o = open(f.documentDoc, f.olga);
		await Promise.all([synced(a), synced(o)]);
		await waitUntil(() => o.readOnly !== null, 10_000, 'read-only notice');
		expect(o.readOnly).toEqual({ readOnly: true, reason: 'observer' });
		expect(a.readOnly).toBeNull();

		o.doc.getMap('m').set('observer', 'scritto');
		a.doc.getMap('m').set('alice', 'scritto');
		await waitUntil(() => o.doc.getMap('m').get('alice') === 'scritto', 5000, 'alice’s edit at the observer');
		// The observer's edit reached neither alice nor the database: the server has handled it
		// (round trip on o's connection), and anything it sent alice since has arrived (on a's).
		await syncRoundTrip(o);
		await syncRoundTrip(a);
		expect(a.doc.getMap('m').get('observer')).toBeUndefined();
		const fresh = open(f.documentDoc, f.bob);
		await synced(fresh);
		expect(fresh.doc.getMap('m').get('observer')).toBeUndefined();
		expect(fresh.doc.getMap('m').get('alice')).toBe('scritto');
		await server.app.context.liveDocuments.flush();
		const stored = await storedState(f.documentDoc);
		expect(stored.getMap('m').get('observer')).toBeUndefined();
		expect(stored.getMap('m').get('alice')).toBe('scritto');
	});

	it('refuses outsiders, missing sessions, foreign origins and unknown documents before any byte', async () => {
		const url = `${server.yjsUrl}/${f.documentDoc}`;
		const origin = server.app.url;
		const outsider = await rawConnect(url, { Cookie: f.outsider.cookie, Origin: origin });
		expect(outsider.status).toBe(403);
		const anonymous = await rawConnect(url, { Origin: origin });
		expect(anonymous.status).toBe(401);
		const badSession = await rawConnect(url, { Cookie: 'tavolo_session=nope', Origin: origin });
		expect(badSession.status).toBe(401);
		const foreign = await rawConnect(url, { Cookie: f.alice.cookie, Origin: 'https://evil.example' });
		expect(foreign.status).toBe(403);
		const unknown = await rawConnect(`${server.yjsUrl}/document:nonexistent`, { Cookie: f.alice.cookie, Origin: origin });
		expect(unknown.status).toBe(404);
		const malformedName = await rawConnect(`${server.yjsUrl}/whatever`, { Cookie: f.alice.cookie, Origin: origin });
		expect(malformedName.status).toBe(404);
		// The refusal body is a short reason, never document content.
		for (const refused of [outsider, anonymous, foreign, unknown]) {
			expect(refused.messages).toHaveLength(1);
			expect(new TextDecoder().decode(refused.messages[0])).toMatch(/^[a-z_]+$/);
		}
	});

	it('lets an admin who is not a member in', async () => {
		const admin = open(f.agendaDoc, f.admin);
		await synced(admin);
		expect(admin.syncAnswers, 'the server answered its sync step 1').toBeGreaterThan(0);
		expect(admin.closes).toEqual([]);
	});

	it('sends a durable ack covering an edit once it is committed', async () => {
		const a = open(f.documentDoc, f.alice);
		await synced(a);
		a.durable = null;
		a.doc.getText('durable').insert(0, 'salvato?');
		await waitUntil(() => a.durable !== null && isCoveredBy(Y.snapshot(a.doc), a.durable), 10_000, 'durable ack');
		const stored = await storedState(f.documentDoc);
		expect(stored.getText('durable').toString()).toBe('salvato?');

		// A delete-only edit advances no clock; the ack's delete set still tells when it is saved.
		a.durable = null;
		a.doc.getText('durable').delete(0, 3);
		expect(isCoveredBy(Y.snapshot(a.doc), Y.snapshot(stored))).toBe(false);
		await waitUntil(() => a.durable !== null && isCoveredBy(Y.snapshot(a.doc), a.durable), 10_000, 'durable ack of a delete');
		expect((await storedState(f.documentDoc)).getText('durable').toString()).toBe('vato?');
	});

	it('acks only the writers of a commit, not every reader', async () => {
		const writer = open(f.documentDoc, f.alice);
		const reader = open(f.documentDoc, f.bob);
		await Promise.all([synced(writer), synced(reader)]);
		await waitUntil(() => reader.durable !== null, 10_000, 'the ack sent on join');
		reader.durable = null;
		writer.durable = null;
		writer.doc.getText('acks').insert(0, 'solo a chi scrive');
		await waitUntil(() => writer.durable !== null && isCoveredBy(Y.snapshot(writer.doc), writer.durable), 10_000, 'the writer’s ack');
		await waitUntil(() => reader.doc.getText('acks').toString() === 'solo a chi scrive', 10_000, 'the reader got the edit');
		// The writer's ack is out, so an ack to the reader would have been sent before this answer.
		await syncRoundTrip(reader);
		expect(reader.durable).toBeNull();
	});

	it('keeps a stock client to the plain y-websocket protocol, while Tavolo’s still gets its notices and acks', async () => {
		const complaints: unknown[][] = [];
		const spies = (['error', 'warn', 'log'] as const).map((level) =>
			vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
				complaints.push(args);
			})
		);
		try {
			// A stock writer, a stock observer (read-only) and Tavolo's editor and observer, at once.
			const stockWriter = open(f.documentDoc, f.alice, undefined, { stock: true });
			const stockObserver = open(f.documentDoc, f.olga, undefined, { stock: true });
			const tavolo = open(f.documentDoc, f.bob);
			const tavoloObserver = open(f.documentDoc, f.olga);
			await Promise.all([stockWriter, stockObserver, tavolo, tavoloObserver].map(synced));
			await waitUntil(() => tavoloObserver.readOnly !== null, 10_000, 'the read-only notice to Tavolo’s observer');
			expect(tavoloObserver.readOnly).toEqual({ readOnly: true, reason: 'observer' });

			stockWriter.doc.getText('stock').insert(0, 'scritto da un client qualunque');
			tavolo.durable = null;
			tavolo.doc.getText('tavolo').insert(0, 'scritto da Tavolo');
			await waitUntil(() => tavolo.durable !== null && isCoveredBy(Y.snapshot(tavolo.doc), tavolo.durable), 10_000, 'Tavolo’s ack');
			await waitUntil(
				async () => (await storedState(f.documentDoc)).getText('stock').toString() === 'scritto da un client qualunque',
				10_000,
				'the stock writer’s edit committed'
			);
			// The stock observer's edit is dropped as ever, without a notice it would not understand.
			stockObserver.doc.getText('observer').insert(0, 'ignorato');
			// Its commit's ack (to the stock writer) would have gone out before these answers.
			await syncRoundTrip(stockWriter);
			await syncRoundTrip(stockObserver);
			await syncRoundTrip(tavolo);

			for (const stock of [stockWriter, stockObserver]) {
				expect(stock.types.length).toBeGreaterThan(0);
				expect(stock.types.filter((type) => type > 3)).toEqual([]);
			}
			expect(tavoloObserver.types).toContain(messageReadOnly);
			expect(tavolo.types).toContain(messageDurable);
			expect(stockWriter.doc.getText('tavolo').toString()).toBe('scritto da Tavolo');
			expect(tavolo.doc.getText('stock').toString()).toBe('scritto da un client qualunque');
			expect(tavolo.doc.getText('observer').toString()).toBe('');
			expect(complaints.filter((args) => args.some((arg) => String(arg).includes('Unable to compute message')))).toEqual([]);
		} finally {
			for (const spy of spies) spy.mockRestore();
		}
	});

	it('overrides the awareness user name with the session’s', async () => {
		const a = open(f.documentDoc, f.alice);
		const b = open(f.documentDoc, f.bob);
		await Promise.all([synced(a), synced(b)]);
		a.provider.awareness.setLocalStateField('user', { name: 'Bob il falso', color: '#f00' });
		await waitUntil(
			() => {
				const state = b.provider.awareness.getStates().get(a.doc.clientID) as { user?: { name?: string } } | undefined;
				return state?.user?.name === 'Alice';
			},
			3000,
			'alice awareness at bob'
		);
		const state = b.provider.awareness.getStates().get(a.doc.clientID) as { user: { name: string; color: string } };
		expect(state.user).toEqual({ name: 'Alice', color: '#f00' });
		// Bob's provider echoes alice's state back; that must not let bob's connection speak for alice.
		b.provider.awareness.setLocalStateField('user', { name: 'Bob' });
		await waitUntil(
			() => (a.provider.awareness.getStates().get(b.doc.clientID) as { user?: { name?: string } } | undefined)?.user?.name === 'Bob',
			5000,
			'bob awareness at alice'
		);
		expect((a.provider.awareness.getStates().get(a.doc.clientID) as { user: { name: string } }).user.name).toBe('Bob il falso');
	});

	it('closes a removed member with 4403 and makes a demoted one read-only in place', async () => {
		const a = open(f.agendaDoc, f.alice);
		const b = open(f.agendaDoc, f.bob);
		await Promise.all([synced(a), synced(b)]);
		const { membershipChanges } = server.app.context;

		membershipChanges.emit({ userId: f.bob.user.id, tableId: f.tableId, role: 'observer' });
		await waitUntil(() => b.readOnly?.readOnly === true, 10_000, 'demotion notice');
		b.doc.getArray('spec-items').push(['dal retrocesso']);
		a.doc.getArray('spec-items').push(['da alice']);
		await waitUntil(() => b.doc.getArray('spec-items').toArray().includes('da alice'), 5000, 'alice’s item at bob');
		await syncRoundTrip(b);
		await syncRoundTrip(a);
		expect(a.doc.getArray('spec-items').toArray()).toEqual(['da alice']);

		membershipChanges.emit({ userId: f.bob.user.id, tableId: f.tableId, role: 'participant' });
		await waitUntil(() => b.readOnly?.readOnly === false, 10_000, 'promotion notice');

		membershipChanges.emit({ userId: f.alice.user.id, tableId: f.tableId, role: null });
		await waitUntil(() => a.closes.length > 0, 10_000, 'close of removed member');
		expect(a.closes[0].code).toBe(yjsCloseCodes.forbidden);
		expect(b.closes).toHaveLength(0);
	});

	it('makes everyone read-only on a final document', async () => {
		await server.app.context.db.updateTable('documents').set({ status: 'final' }).where('id', '=', f.documentId).execute();
		try {
			const a = open(f.documentDoc, f.alice);
			await synced(a);
			await waitUntil(() => a.readOnly !== null, 10_000, 'read-only notice');
			expect(a.readOnly).toEqual({ readOnly: true, reason: 'final' });
			a.doc.getMap('final').set('x', 1);
			// Handled (dropped) by the server, and whatever it applied is committed.
			await syncRoundTrip(a);
			await server.app.context.liveDocuments.flush();
			expect((await storedState(f.documentDoc)).getMap('final').get('x')).toBeUndefined();
		} finally {
			await server.app.context.db.updateTable('documents').set({ status: 'draft' }).where('id', '=', f.documentId).execute();
		}
	});
});
