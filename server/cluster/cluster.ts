import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Events } from '../../src/lib/server/events.ts';
import { closeRedis, connectRedis } from '../redis.ts';
import { StreamReader, streamIdAt, type StreamFields } from './streams.ts';

/** What a Yjs document's relay carries: document updates and awareness (presence, carets). */
export type RelayKind = 'update' | 'awareness';

export interface DocChannel {
	publish(kind: RelayKind, payload: Uint8Array): void;
	close(): void;
}

/** The Yjs side of the cluster: one Redis stream per open document. */
export interface DocRelay {
	/**
	 * Follows the other nodes' messages for `docName`, replaying the last `replayMs` (enough to
	 * cover updates another node relayed but had not committed yet when this node loaded the
	 * document; applying one twice is harmless in Yjs).
	 */
	open(docName: string, receive: (kind: RelayKind, payload: Uint8Array) => void): DocChannel;
	/** Called after the Redis connection came back: entries may be gone, resync from PostgreSQL. */
	onResume(listener: () => void): () => void;
}

/**
 * Several Tavolo processes on one PostgreSQL and one Redis act as one (REDIS_URL). This holds
 * the node's Redis connections and what travels over them besides socket.io (whose own adapter
 * uses `redis`): the process events (membership changes, logouts, document status) and the Yjs
 * relay. Both ride Redis streams read with resume; see server/cluster/README.md.
 */
export interface Cluster {
	readonly nodeId: string;
	/** Prefix of every Redis key and channel (TAVOLO_REDIS_PREFIX). */
	readonly prefix: string;
	/** The command connection of the relay, the events and the node list. */
	readonly redis: Redis;
	/**
	 * A new connection with the cluster's settings (commands wait while Redis is away, errors
	 * logged once), named `tavolo-<name>`; its owner closes it (the socket.io adapter's).
	 */
	connect(name: string): Redis;
	readonly relay: DocRelay;
	/** Makes a process-local event stream cluster-wide: emit reaches every node's listeners. */
	distribute<T>(local: Events<T>, channel: string): Events<T>;
	/** What this node does when another one asks every node to commit its Yjs updates. */
	onFlushRequest(flush: () => Promise<void>): void;
	/**
	 * Asks every other live node to commit the Yjs updates it holds and waits for their answers
	 * (at most `timeoutMs`; a node that died meanwhile cannot answer and has nothing to commit).
	 * Resolves with the nodes that did not answer in time.
	 */
	flushOthers(timeoutMs?: number): Promise<string[]>;
	close(): Promise<void>;
}

export interface ClusterOptions {
	redisUrl: string;
	/** Prefix of every Redis key and channel, so several deployments can share one Redis. */
	prefix?: string;
	logger: Logger;
	metrics: Registry;
	/** Entries kept per document stream (approximate trimming). */
	streamMaxLen?: number;
	/** How far back a node that opens a document replays its stream. */
	replayMs?: number;
}

/** A document stream outlives its last message by this much, then Redis forgets it. */
const streamTtlMs = 60 * 60_000;
/** Each node renews its entry in the node list this often; missing 3 renewals, it is gone. */
const heartbeatMs = 2_000;

export function createCluster(options: ClusterOptions): Cluster {
	const nodeId = randomUUID();
	const prefix = options.prefix ?? 'tavolo';
	const eventsKey = `${prefix}:events`;
	const nodesKey = `${prefix}:nodes`;
	const docKey = (docName: string) => `${prefix}:yjs:${docName}`;
	const logger = options.logger.child({ component: 'cluster', nodeId });
	const redis = connectRedis(options.redisUrl, logger, { name: 'cluster', queueWhileDown: true });
	const readerConnection = connectRedis(options.redisUrl, logger, { name: 'cluster-streams', queueWhileDown: true });
	const reader = new StreamReader({ commands: redis, reader: readerConnection, nodeId, logger, wakeKey: `${prefix}:wake:${nodeId}` });
	const maxLen = String(options.streamMaxLen ?? 10_000);
	const replayMs = options.replayMs ?? 10_000;

	const relayLag = new Histogram({
		name: 'tavolo_redis_relay_lag_seconds',
		help: 'From a node relaying a message over Redis to another node receiving it, by kind',
		labelNames: ['kind'] as const,
		buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
		registers: [options.metrics]
	});
	const relayed = new Counter({
		name: 'tavolo_redis_relay_messages_total',
		help: 'Messages relayed over Redis, by kind and direction',
		labelNames: ['kind', 'direction'] as const,
		registers: [options.metrics]
	});
	const relayFailures = new Counter({
		name: 'tavolo_redis_relay_failures_total',
		help: 'Messages Redis refused to take (the PostgreSQL resync covers their documents)',
		registers: [options.metrics]
	});
	new Gauge({
		name: 'tavolo_redis_connected',
		help: "1 while both of this node's Redis connections are ready",
		registers: [options.metrics],
		collect() {
			this.set(redis.status === 'ready' && readerConnection.status === 'ready' ? 1 : 0);
		}
	});

	const resumeListeners = new Set<() => void>();
	let readerWasReady = false;
	readerConnection.on('ready', () => {
		if (readerWasReady) for (const listener of resumeListeners) listener();
		readerWasReady = true;
	});

	const lastExpiry = new Map<string, number>();
	function publish(key: string, fields: Array<string | Buffer>): void {
		redis.xadd(key, 'MAXLEN', '~', maxLen, '*', 'n', nodeId, 't', String(Date.now()), ...fields).catch((error: unknown) => {
			relayFailures.inc();
			logger.warn({ err: error, key }, 'redis refused a relayed message');
		});
		const now = Date.now();
		if ((lastExpiry.get(key) ?? 0) < now - 60_000) {
			lastExpiry.set(key, now);
			redis.pexpire(key, streamTtlMs).catch(() => undefined);
		}
	}

	/** Entries from other nodes only, with the relay lag observed. */
	function fromOthers(kind: string, fields: StreamFields): boolean {
		if (fields.n?.toString() === nodeId) return false;
		const sentAt = Number(fields.t?.toString());
		if (Number.isFinite(sentAt)) relayLag.observe({ kind }, Math.max(0, Date.now() - sentAt) / 1000);
		relayed.inc({ kind, direction: 'in' });
		return true;
	}

	// The node list: a sorted set of node ids scored by their last heartbeat.
	const beat = () => {
		redis.zadd(nodesKey, Date.now(), nodeId).catch(() => undefined);
		redis.zremrangebyscore(nodesKey, '-inf', Date.now() - 3 * heartbeatMs).catch(() => undefined);
	};
	beat();
	const heartbeat = setInterval(beat, heartbeatMs);
	heartbeat.unref();

	const channels = new Map<string, (event: unknown) => void>();
	let flushHandler: (() => Promise<void>) | undefined;
	const flushWaiters = new Map<string, { pending: Set<string>; done: () => void }>();
	type FlushMessage = { type: 'request'; id: string; from: string } | { type: 'done'; id: string; from: string; to: string };
	const sendFlush = (message: FlushMessage) => publish(eventsKey, ['c', 'flush', 'd', JSON.stringify(message)]);
	channels.set('flush', (event) => {
		const message = event as FlushMessage;
		if (message.type === 'request') {
			const flush = flushHandler ?? (() => Promise.resolve());
			flush().then(
				() => sendFlush({ type: 'done', id: message.id, from: nodeId, to: message.from }),
				(error: unknown) => logger.error({ err: error }, 'flush requested by another node failed')
			);
			return;
		}
		if (message.to !== nodeId) return;
		const waiter = flushWaiters.get(message.id);
		if (!waiter) return;
		waiter.pending.delete(message.from);
		if (waiter.pending.size === 0) waiter.done();
	});
	const unsubscribeEvents = reader.subscribe(eventsKey, streamIdAt(Date.now()), (_id, fields) => {
		if (!fromOthers('event', fields)) return;
		const deliver = channels.get(fields.c?.toString() ?? '');
		if (!deliver) return;
		try {
			deliver(JSON.parse(fields.d.toString()));
		} catch (error) {
			logger.error({ err: error }, 'cluster event could not be delivered');
		}
	});

	const relay: DocRelay = {
		open(docName, receive) {
			const key = docKey(docName);
			const unsubscribe = reader.subscribe(key, streamIdAt(Date.now() - replayMs), (_id, fields) => {
				const kind = fields.k?.toString();
				if (kind !== 'update' && kind !== 'awareness') return;
				if (!fromOthers(kind, fields)) return;
				receive(kind, new Uint8Array(fields.d.buffer, fields.d.byteOffset, fields.d.byteLength));
			});
			return {
				publish(kind, payload) {
					relayed.inc({ kind, direction: 'out' });
					publish(key, ['k', kind, 'd', Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)]);
				},
				close: unsubscribe
			};
		},
		onResume(listener) {
			resumeListeners.add(listener);
			return () => resumeListeners.delete(listener);
		}
	};

	return {
		nodeId,
		prefix,
		redis,
		relay,
		connect: (name) => connectRedis(options.redisUrl, logger, { name, queueWhileDown: true }),
		distribute<T>(local: Events<T>, channel: string): Events<T> {
			channels.set(channel, (event) => local.emit(event as T));
			return {
				emit(event) {
					local.emit(event);
					relayed.inc({ kind: 'event', direction: 'out' });
					publish(eventsKey, ['c', channel, 'd', JSON.stringify(event)]);
				},
				subscribe: (listener) => local.subscribe(listener)
			};
		},
		onFlushRequest(flush) {
			flushHandler = flush;
		},
		async flushOthers(timeoutMs = 3_000) {
			const live = await redis.zrangebyscore(nodesKey, Date.now() - 3 * heartbeatMs, '+inf');
			const pending = new Set(live.filter((id) => id !== nodeId));
			if (pending.size === 0) return [];
			const id = randomUUID();
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, timeoutMs);
				flushWaiters.set(id, {
					pending,
					done: () => {
						clearTimeout(timer);
						resolve();
					}
				});
				sendFlush({ type: 'request', id, from: nodeId });
			});
			flushWaiters.delete(id);
			if (pending.size > 0) logger.warn({ nodes: [...pending] }, 'nodes did not confirm a flush in time');
			return [...pending];
		},
		async close() {
			clearInterval(heartbeat);
			// Commands wait for Redis (maxRetriesPerRequest: null); while it is away, give up soon.
			const briefly = (work: Promise<unknown>) =>
				Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
			await briefly(redis.zrem(nodesKey, nodeId));
			unsubscribeEvents();
			await reader.close();
			await briefly(closeRedis(redis));
		}
	};
}
