import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectedMember } from '../../src/lib/realtime/protocol.ts';
import { startPrivateRedis, type PrivateRedis } from '../../tests/support/private-redis.ts';
import { createLocalPresenceLedger, createRedisPresenceLedger, type PresenceLedger } from './presence-ledger.ts';

const member = (userId: string, role: ConnectedMember['role'] = 'participant'): ConnectedMember => ({
	userId,
	name: userId,
	role,
	categoryId: null,
	representedBody: ''
});

let redis: PrivateRedis;
const connections: Redis[] = [];
let prefixes = 0;

beforeAll(async () => {
	redis = await startPrivateRedis();
}, 30_000);

afterAll(async () => {
	for (const connection of connections) connection.disconnect();
	await redis?.dispose();
});

/** Two nodes on one ledger: in memory (one process, so one ledger) or in Redis (each node its own connection). */
function nodes(kind: 'memory' | 'redis'): [PresenceLedger, PresenceLedger, { beat(node: string, at: number): Promise<void> }] {
	if (kind === 'memory') {
		const ledger = createLocalPresenceLedger();
		return [ledger, ledger, { beat: async () => {} }];
	}
	const prefix = `ledger-test-${++prefixes}`;
	const made = ['node-a', 'node-b'].map((nodeId) => {
		const connection = new Redis(redis.url);
		connections.push(connection);
		return createRedisPresenceLedger({ redis: connection, prefix, nodeId, nodeTimeoutMs: 10_000 });
	});
	const admin = new Redis(redis.url);
	connections.push(admin);
	return [made[0], made[1], { beat: async (node, at) => void (await admin.zadd(`${prefix}:nodes`, at, node)) }];
}

describe.each(['memory', 'redis'] as const)('the presence ledger (%s)', (kind) => {
	it('counts a member once whatever their tabs, and numbers each change with the next version', async () => {
		const [a, b] = nodes(kind);
		const v1 = await a.join('m1', 's1', member('anna'));
		expect(v1).toEqual(expect.any(Number));
		// Anna's second tab, on the other node: nothing changes for the room.
		expect(await b.join('m1', 's2', member('anna'))).toBeNull();
		// The same socket again (a resumed node entering its sockets anew): nothing either.
		expect(await a.join('m1', 's1', member('anna'))).toBeNull();
		expect(await b.join('m1', 's3', member('bruno'))).toBe(v1! + 1);
		expect(await a.leave('m1', 's1')).toBeNull();
		expect(await b.leave('m1', 's2')).toEqual({ userId: 'anna', version: v1! + 2 });
		expect(await a.leave('m1', 's2')).toBeNull();
		expect(await a.update('m1', member('bruno', 'observer'))).toBe(v1! + 3);
		expect(await a.update('m1', member('bruno', 'observer'))).toBeNull();
		expect(await a.update('m1', member('anna', 'observer'))).toBeNull();
		expect(await b.next('m1')).toBe(v1! + 4);
		expect(await a.snapshot('m1')).toEqual({ members: [member('bruno', 'observer')], version: v1! + 4 });
		// Another meeting has versions of its own.
		const other = await a.join('m2', 's1', member('anna'));
		expect((await a.snapshot('m2')).version).toBe(other);
	});

	it('says a member with two tabs on two nodes left exactly once when both close at once', async () => {
		const [a, b] = nodes(kind);
		for (let round = 0; round < 20; round++) {
			const meetingId = `race-${round}`;
			await Promise.all([a.join(meetingId, `x-${round}`, member('carla')), b.join(meetingId, `y-${round}`, member('carla'))]);
			const left = (await Promise.all([a.leave(meetingId, `x-${round}`), b.leave(meetingId, `y-${round}`)])).filter(Boolean);
			expect(left).toHaveLength(1);
			expect((await a.snapshot(meetingId)).members).toEqual([]);
			// And entering at once: one arrival.
			const joined = (
				await Promise.all([a.join(meetingId, `p-${round}`, member('dino')), b.join(meetingId, `q-${round}`, member('dino'))])
			).filter((v) => v !== null);
			expect(joined).toHaveLength(1);
		}
	});

	if (kind === 'redis') {
		it('sweeps the sockets of a node that stopped beating, and keeps a member present on another node', async () => {
			const [a, b, nodeList] = nodes(kind);
			await nodeList.beat('node-a', Date.now());
			await nodeList.beat('node-b', Date.now());
			const first = await a.join('m', 'a1', member('elena'));
			await b.join('m', 'b1', member('elena'));
			await b.join('m', 'b2', member('franco'));
			expect(await a.sweep()).toEqual([]);
			// Node b stops: its heartbeat is older than the timeout.
			await nodeList.beat('node-b', Date.now() - 60_000);
			const swept = await a.sweep();
			expect(swept).toEqual([{ meetingId: 'm', userId: 'franco', version: first! + 2 }]);
			expect((await a.snapshot('m')).members.map((m) => m.userId)).toEqual(['elena']);
			expect(await a.sweep()).toEqual([]);
		});
	}
});
