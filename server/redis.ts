import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * The one Redis client of this process (REDIS_URL), shared by everything that needs Redis.
 * ioredis reconnects on its own; while Redis is away it would emit an error on every attempt, so
 * only the first failure after a working connection is logged, and the recovery.
 */
export function connectRedis(url: string, logger: Logger): Redis {
	const redis = new Redis(url, { connectionName: 'tavolo' });
	let failing = false;
	redis.on('error', (error: Error) => {
		if (failing) return;
		failing = true;
		logger.warn({ err: error }, 'Redis unreachable: rate limits count per node until it is back');
	});
	redis.on('ready', () => {
		if (failing) logger.info('Redis reachable again');
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
