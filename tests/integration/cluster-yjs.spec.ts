import pino from 'pino';
import { Registry } from 'prom-client';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../../server/cluster/cluster.ts';
import { createPostgresYjsStore } from '../../server/persistence/postgres-yjs-store.ts';
import { createEvents, type MembershipChange } from '../../src/lib/server/events.ts';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.ts';
import {
	connectBare,
	connectClient,
	createFixture,
	startBareEndpoint,
	startYjsTestServer,
	synced,
	syncRoundTrip,
	type Client,
	type Fixture,
	type YjsTestServer
} from '../support/yjs-harness.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Two nodes on one database and one Redis (a private one, so it can be killed): node A is the
 * whole app with REDIS_URL, node B a second /yjs endpoint with a cluster of its own. Clients of
 * one node must see the other's edits and presence, lose nothing when Redis goes away and comes
 * back empty, and feel a logout made on the other node.
 */
describe('Yjs across two nodes (REDIS_URL)', () => {
	let redis: PrivateRedis;
	let server: YjsTestServer;
	let clusterB: Cluster;
	let nodeB: Awaited<ReturnType<typeof startBareEndpoint>>;
	let f: Fixture;
	const clients: Client[] = [];

	beforeAll(async () => {
		redis = await startPrivateRedis();
		server = await startYjsTestServer({ REDIS_URL: redis.url });
		clusterB = createCluster({ redisUrl: redis.url, logger: pino({ level: 'silent' }), metrics: new Registry() });
		nodeB = await startBareEndpoint(server.app, {
			relay: clusterB.relay,
			membershipChanges: clusterB.distribute(createEvents<MembershipChange>(), 'membership'),
			sessionEnds: clusterB.distribute(createEvents<string>(), 'session-end')
		});
		f = await createFixture(server.app);
	});

	afterAll(async () => {
		for (const client of clients) client.destroy();
		await nodeB?.close();
		await clusterB?.close();
		await server?.dispose();
		await redis?.dispose();
	});

	const onA = (docName: string, person: Fixture['alice']) => {
		const client = connectClient(server, docName, person);
		clients.push(client);
		return client;
	};
	const onB = (docName: string, person: Fixture['alice']) => {
		const client = connectBare(nodeB, docName, person);
		clients.push(client);
		return client;
	};
	const text = (client: Client) => client.doc.getText('t').toString();

	it("shows each node's edits and presence to the other, and stores every edit once", async () => {
		const docName = f.documentDoc;
		const a = onA(docName, f.alice);
		const b = onB(docName, f.bob);
		await Promise.all([synced(a), synced(b)]);

		a.doc.getText('t').insert(0, 'uno ');
		await waitUntil(() => text(b).includes('uno'), 5000, 'A → B');
		b.doc.getText('t').insert(text(b).length, 'due');
		await waitUntil(() => text(a) === 'uno due', 5000, 'B → A');

		a.provider.awareness.setLocalStateField('cursor', { at: 1 });
		await waitUntil(() => b.provider.awareness.getStates().get(a.doc.clientID)?.cursor?.at === 1, 5000, "A's presence on B");
		const seenName = b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name;
		expect(seenName).toBe('Alice');

		await waitUntil(() => a.durable !== null && b.durable !== null, 5000, 'both writers acknowledged');
		await server.app.yjs.flushAll();
		await nodeB.endpoint.flushAll();
		const stored = await createPostgresYjsStore(server.app.context.db).load(docName);
		const check = new Y.Doc();
		Y.applyUpdate(check, stored!.state);
		expect(check.getText('t').toString()).toBe('uno due');
	});

	it('fills a gap from PostgreSQL once Redis is back (anti-entropy)', async () => {
		// An update another node committed but whose relayed message never arrived: written
		// straight to the log, as if Redis lost it in a restart.
		const docName = f.documentDoc;
		const b = onB(docName, f.bob);
		await synced(b);
		const writer = new Y.Doc();
		Y.applyUpdate(writer, Y.encodeStateAsUpdate(b.doc));
		writer.getText('gap').insert(0, 'mai inoltrato');
		const update = Y.encodeStateAsUpdate(writer, Y.encodeStateVector(b.doc));
		await createPostgresYjsStore(server.app.context.db).append([{ docName, update }]);
		// Node B answers b from what it holds: nothing brought the gap there.
		await syncRoundTrip(b);
		expect(b.doc.getText('gap').toString()).toBe('');

		await redis.kill();
		await redis.start();
		await waitUntil(() => b.doc.getText('gap').toString() === 'mai inoltrato', 10_000, 'the resync from PostgreSQL on node B');
	});

	it('stores a relayed update even when the node that relayed it dies before committing it', async () => {
		// Node C relays an update and dies before its group commit (it never commits at all).
		// Node B already shows it and its durable acks cover it, so a client moving from C to B
		// would hear "saved" and never send it again: B must commit it itself.
		const docName = f.documentDoc;
		const clusterC = createCluster({ redisUrl: redis.url, logger: pino({ level: 'silent' }), metrics: new Registry() });
		try {
			const b = onB(docName, f.bob);
			await synced(b);
			const writer = new Y.Doc();
			Y.applyUpdate(writer, Y.encodeStateAsUpdate(b.doc));
			writer.getText('orfano').insert(0, 'solo inoltrato');
			const channel = clusterC.relay.open(docName, () => {});
			channel.publish('update', Y.encodeStateAsUpdate(writer, Y.encodeStateVector(b.doc)));
			await waitUntil(() => b.doc.getText('orfano').toString() === 'solo inoltrato', 5000, "C's update on B");
			channel.close();
			await nodeB.endpoint.flushAll();
			const stored = await createPostgresYjsStore(server.app.context.db).load(docName);
			const check = new Y.Doc();
			Y.applyUpdate(check, stored!.state);
			expect(check.getText('orfano').toString()).toBe('solo inoltrato');
		} finally {
			await clusterC.close();
		}
	});

	it('loses no edit when Redis is killed mid-typing and comes back empty', async () => {
		const docName = f.agendaDoc;
		const a = onA(docName, f.alice);
		const b = onB(docName, f.bob);
		await Promise.all([synced(a), synced(b)]);
		const typed = { a: [] as string[], b: [] as string[] };
		const type = async (client: Client, who: 'a' | 'b', count: number) => {
			for (let i = 0; i < count; i++) {
				const word = `${who}${typed[who].length};`;
				typed[who].push(word);
				const t = client.doc.getText('t');
				t.insert(t.length, word);
				// A typist's pace, so Redis dies between words (slower machines type slower).
				await new Promise((resolve) => setTimeout(resolve, 5));
			}
		};
		const typing = Promise.all([type(a, 'a', 60), type(b, 'b', 60)]);
		await waitUntil(() => typed.a.length >= 20 && typed.b.length >= 20, 5000, 'a third of the typing before Redis dies');
		await redis.kill();
		await typing;
		await Promise.all([type(a, 'a', 20), type(b, 'b', 20)]);
		await redis.start();
		await Promise.all([type(a, 'a', 20), type(b, 'b', 20)]);

		const all = [...typed.a, ...typed.b];
		const missing = (client: Client) => all.filter((word) => !text(client).includes(word));
		await waitUntil(
			() => missing(a).length === 0 && missing(b).length === 0,
			20_000,
			'both nodes to converge',
			() => `missing on A: ${missing(a).join(' ')}\nmissing on B: ${missing(b).join(' ')}`
		);
		expect(text(a)).toBe(text(b));
		expect(all).toHaveLength(200);
	});

	it('closes a connection on node B when its session logs out on node A', async () => {
		const b = onB(f.documentDoc, f.bob);
		await synced(b);
		const response = await fetch(`${server.app.url}/api/v1/auth/logout`, {
			method: 'POST',
			headers: { cookie: f.bob.cookie, origin: server.app.url, 'content-type': 'application/json' },
			body: '{}'
		});
		expect(response.status).toBe(200);
		await waitUntil(() => b.closes.some((close) => close.code === 4401), 5000, 'the 4401 close on node B');
	});
});
