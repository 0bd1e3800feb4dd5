import { createHmac, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Where an anonymous poll's ballot key lives: the secret that turns (poll, member) into the key
 * of that member's ballot (HMAC-SHA256), so a member can change their vote while the poll is open.
 * It never reaches the database or any file (issue 11: a key stored in PostgreSQL, even erased at
 * close, stayed in old row versions, WAL and backups, and re-linked every ballot to its voter).
 * It lives in this process's memory, or, with REDIS_URL, in Redis with an expiry so every node
 * uses the same one. The poll's close erases it. A key that is gone (a restart without Redis, an
 * expiry) is replaced by a new one on the next vote: the members who voted under the old one keep
 * their ballot but can no longer change it (recordVotes answers `poll_vote_sealed`).
 */
export interface BallotKeys {
	/** The poll's key, made now if it has none. */
	obtain(pollId: string): Promise<Buffer>;
	/** The poll's key, or null if it has none (never made, erased, or lost). */
	find(pollId: string): Promise<Buffer | null>;
	/** Forgets the poll's key (at close). */
	erase(pollId: string): Promise<void>;
}

const keyBytes = 32;

/** The ballot key of `userId` on an anonymous poll: HMAC-SHA256(key, `poll:user`), base64url. */
export function anonymousBallotKey(key: Buffer, pollId: string, userId: string): string {
	return createHmac('sha256', key).update(`${pollId}:${userId}`).digest('base64url');
}

/** One process's keys (no REDIS_URL): gone when the process ends, as intended. */
export function memoryBallotKeys(): BallotKeys {
	const keys = new Map<string, Buffer>();
	return {
		async obtain(pollId) {
			let key = keys.get(pollId);
			if (!key) keys.set(pollId, (key = randomBytes(keyBytes)));
			return key;
		},
		async find(pollId) {
			return keys.get(pollId) ?? null;
		},
		async erase(pollId) {
			keys.get(pollId)?.fill(0);
			keys.delete(pollId);
		}
	};
}

/**
 * Keys shared by every node through Redis, each living `ttlSeconds` after its last use (a poll
 * left open and forgotten does not keep its key for ever). Redis persistence (RDB, AOF) would
 * write them to disk: docs/api.md asks to run this Redis without it.
 */
export function redisBallotKeys(redis: Redis, options: { prefix: string; ttlSeconds: number }): BallotKeys {
	const name = (pollId: string) => `${options.prefix}${pollId}`;
	const find = async (pollId: string) => {
		const stored = await redis.getex(name(pollId), 'EX', options.ttlSeconds);
		return stored === null ? null : Buffer.from(stored, 'base64');
	};
	return {
		async obtain(pollId) {
			// Two nodes may make one at once: the first SET wins and both use its key.
			for (;;) {
				const fresh = randomBytes(keyBytes).toString('base64');
				if ((await redis.set(name(pollId), fresh, 'EX', options.ttlSeconds, 'NX')) === 'OK') return Buffer.from(fresh, 'base64');
				const existing = await find(pollId);
				if (existing) return existing;
			}
		},
		find,
		async erase(pollId) {
			await redis.del(name(pollId));
		}
	};
}
