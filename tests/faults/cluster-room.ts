import { io, type ManagerOptions } from 'socket.io-client';
import type { LiveState, Participant } from '../../src/lib/realtime/protocol.ts';
import type { ClientSocket } from '../support/socket-test-client.ts';
import { watchPresence, type PresenceWatch } from '../support/presence-watch.ts';
import { startLoadBalancer, testRedisPrefix, type LoadBalancer } from '../support/cluster.ts';
import { createTestDatabase } from '../support/database.ts';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.ts';
import { killAllServerProcesses, startServerNodes, type ServerNode } from '../support/server-process.ts';
import { checkFinalText, type Editor, type Member } from './fault-room.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * What the scale-out fault scripts (redis-restart, node-kill) share: two server processes on one
 * fresh PostgreSQL database and a private Redis, behind a round-robin TCP balancer whose URL is
 * the public ORIGIN; and live-room watchers pinned to one node each.
 */

export interface FaultCluster {
	database: { url: string; drop(): Promise<void> };
	redis: PrivateRedis;
	balancer: LoadBalancer;
	nodes: ServerNode[];
	/** The public origin (the balancer). */
	origin: string;
	/** ws://<balancer>/yjs */
	yjsUrl: string;
	describe(): string;
	dispose(): Promise<void>;
}

export async function startFaultCluster(env: Record<string, string> = {}): Promise<FaultCluster> {
	const database = await createTestDatabase();
	if (!database.url) throw new Error('the fault scripts run on PostgreSQL: set DATABASE_URL (vitest.faults.config.ts does)');
	const redis = await startPrivateRedis();
	const balancer = await startLoadBalancer();
	const nodes = await startServerNodes({
		count: 2,
		databaseUrl: database.url,
		redisUrl: redis.url,
		origin: balancer.url,
		env: { TAVOLO_REDIS_PREFIX: testRedisPrefix(), ...env }
	});
	balancer.setTargets(nodes.map((n) => n.port));
	return {
		database: database as FaultCluster['database'],
		redis,
		balancer,
		nodes,
		origin: balancer.url,
		yjsUrl: `ws://127.0.0.1:${balancer.port}/yjs`,
		describe: () => nodes.map((n, i) => `node ${i} (:${n.port}): ${n.current.describe()}`).join('; '),
		async dispose() {
			await balancer.close();
			await killAllServerProcesses();
			await redis.dispose();
			await database.drop();
		}
	};
}

/** A live-room tab on one given node (not through the balancer): what it last heard. */
export interface Watcher {
	readonly socket: ClientSocket;
	readonly member: Member;
	joined: boolean;
	/** The latest meeting state: from the join's answer or a `meeting:state` broadcast. */
	state: LiveState | null;
	/** The presence list as the browser keeps it: the join's answer, then the deltas in version order. */
	present: Participant[] | null;
	presenceVersion: number;
	close(): void;
}

export function openWatcher(
	url: string,
	origin: string,
	member: Member,
	meetingId: string,
	reconnection: Partial<ManagerOptions> = { reconnection: false }
): Watcher {
	const socket: ClientSocket = io(url, {
		path: '/socket.io',
		transports: ['websocket'],
		extraHeaders: { cookie: member.cookie, origin },
		forceNew: true,
		...reconnection
	});
	const watcher: Watcher = {
		socket,
		member,
		joined: false,
		state: null,
		present: null,
		presenceVersion: 0,
		close: () => socket.close()
	};
	socket.on('connect', () => {
		void socket
			.timeout(10_000)
			.emitWithAck('meeting:join', { meetingId })
			.then((answer) => {
				if (!answer.ok || !socket.connected) return;
				// A broadcast may have overtaken the answer; the answer is only a start.
				watcher.state ??= answer.state;
				presence ??= watchPresence(socket, meetingId, { ...answer.state, version: answer.state.presenceVersion });
				presence.reset({ ...answer.state, version: answer.state.presenceVersion });
				watcher.joined = true;
			})
			.catch(() => undefined);
	});
	socket.on('disconnect', () => (watcher.joined = false));
	socket.on('meeting:state', (state) => {
		if (state.meetingId !== meetingId) return;
		watcher.state = state;
	});
	// Deltas from two nodes arrive in any order: applied in version order, as in the browser.
	let presence: PresenceWatch | undefined;
	Object.defineProperties(watcher, {
		present: { get: () => presence?.present ?? null },
		presenceVersion: { get: () => presence?.version ?? 0 }
	});
	return watcher;
}

/** Everyone in `group` synced, saved and on the same text, which holds exactly what they typed. */
export async function waitForConvergence(group: Editor[], timeoutMs: number, what: string): Promise<void> {
	await waitUntil(
		() => group.every((e) => e.provider.synced && e.isSaved()) && group.every((e) => e.text.toString() === group[0].text.toString()),
		timeoutMs,
		what,
		() =>
			group
				.map(
					(e) =>
						`${e.who}: synced ${e.provider.synced}, saved ${e.isSaved()}, ${e.text.length} chars, ${JSON.stringify(checkFinalText(group, e.text.toString()))}`
				)
				.join('\n')
	);
}

/** Presence as user ids, sorted: what a watcher's list is compared by. */
export const presentIds = (present: Participant[] | null) => (present ?? []).map((p) => p.userId).sort();

/** 0 → "a", 25 → "z", 26 → "ba": token prefixes are letters only. */
export function letters(n: number): string {
	const digits = n.toString(26).split('');
	return digits.map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');
}
