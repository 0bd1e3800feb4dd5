import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * A Redis connection for the cluster: it never gives up on a command (maxRetriesPerRequest: null
 * keeps relayed updates queued while Redis is away, and ioredis re-sends them after reconnecting)
 * and reconnects with capped exponential backoff plus jitter, so a restarted Redis is not hit by
 * every node at the same instant.
 */
export function connectRedis(url: string, logger: Logger, name: string): Redis {
	const redis = new Redis(url, {
		connectionName: `tavolo-${name}`,
		maxRetriesPerRequest: null,
		enableAutoPipelining: true,
		retryStrategy: (attempt) => {
			const base = Math.min(2_000, 50 * 2 ** Math.min(attempt, 6));
			return Math.round(base / 2 + Math.random() * (base / 2));
		}
	});
	let wasReady = false;
	redis.on('ready', () => {
		if (wasReady) logger.warn({ connection: name }, 'redis reconnected');
		wasReady = true;
	});
	redis.on('error', (error: Error) => logger.warn({ err: error, connection: name }, 'redis connection error'));
	return redis;
}
