import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisConnectionOptions {
	/** Names the connection in Redis (CLIENT LIST) and in the log. */
	name: string;
	/**
	 * true (the cluster's relay and events): a command never gives up while Redis is away; it is
	 * queued and ioredis sends it once Redis is back. false (the rate limiters): commands fail fast,
	 * so the caller can fall back (to its memory count) instead of waiting.
	 */
	queueWhileDown: boolean;
}

/**
 * A Redis connection (REDIS_URL). ioredis reconnects on its own, here with capped exponential
 * backoff plus jitter, so a restarted Redis is not hit by every node at the same instant. While
 * Redis is away it would emit an error on every attempt, so only the first failure after a working
 * connection is logged, and the recovery.
 */
export function connectRedis(url: string, logger: Logger, options: RedisConnectionOptions): Redis {
	const redis = new Redis(url, {
		connectionName: `tavolo-${options.name}`,
		...(options.queueWhileDown ? { maxRetriesPerRequest: null, enableAutoPipelining: true } : {}),
		retryStrategy: (attempt) => {
			const base = Math.min(2_000, 50 * 2 ** Math.min(attempt, 6));
			return Math.round(base / 2 + Math.random() * (base / 2));
		}
	});
	let failing = false;
	redis.on('error', (error: Error) => {
		if (failing) return;
		failing = true;
		logger.warn({ err: error, connection: options.name }, 'Redis unreachable');
	});
	redis.on('ready', () => {
		if (failing) logger.info({ connection: options.name }, 'Redis reachable again');
		failing = false;
	});
	return redis;
}

/** Closes politely when connected, at once otherwise (quit would wait for a reconnection). */
export async function closeRedis(redis: Redis): Promise<void> {
	if (redis.status === 'ready') {
		try {
			await redis.quit();
			return;
		} catch {
			// The connection broke while closing: nothing left to be polite to.
		}
	}
	redis.disconnect();
}
