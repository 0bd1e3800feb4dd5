import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from 'rate-limiter-flexible';
import { AppError } from '../errors.ts';

/** What the limiters below need of a rate-limiter-flexible limiter, whatever its store. */
export interface CountingLimiter {
	consume(key: string): Promise<RateLimiterRes>;
	delete(key: string): Promise<boolean>;
}

/** Makes one counter (`points` per `duration` seconds) in a store; keys are kept apart by `keyPrefix`. */
export type LimiterFactory = (keyPrefix: string, points: number, duration: number) => CountingLimiter;

export const memoryLimiters: LimiterFactory = (keyPrefix, points, duration) => new RateLimiterMemory({ keyPrefix, points, duration });

/**
 * Past this, a Redis call counts as failed and the memory insurance answers instead: a login must
 * not wait on a Redis that stopped answering without closing the connection.
 */
const redisTimeoutMs = 500;

/**
 * Counters in Redis, so a cap holds across every node behind the load balancer. When Redis is
 * unreachable (not connected, an error, or slower than 500 ms) each node counts in its own memory
 * instead (rate-limiter-flexible's insurance limiter): logins keep working, and the cap is then
 * per node, i.e. at most `nodes ×` the configured one until Redis is back.
 */
export function redisLimiters(redis: Redis, options: { prefix: string }): LimiterFactory {
	const { prefix } = options;
	return (keyPrefix, points, duration) => {
		const insuranceLimiter = new RateLimiterMemory({ keyPrefix, points, duration });
		const shared = new RateLimiterRedis({
			storeClient: redis,
			keyPrefix: prefix + keyPrefix,
			points,
			duration,
			// Not connected: go to the insurance at once rather than wait in ioredis' offline queue.
			rejectIfRedisNotReady: true,
			insuranceLimiter
		});
		return new RLWrapperTimeouts({ limiter: shared, timeoutMs: redisTimeoutMs, insuranceLimiter });
	};
}

function rateLimited(error: RateLimiterRes): AppError {
	return new AppError('rate_limited', { retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) });
}

export interface LoginLimiterOptions {
	maxPerAccount: number;
	maxPerAddress: number;
	windowSeconds: number;
	/** Redis when REDIS_URL is set (see `redisLimiters`), memory otherwise. */
	createLimiter?: LimiterFactory;
}

export interface LoginLimiter {
	/** Counts one attempt; throws `rate_limited` when the account or the address is over its cap. */
	consume(email: string, address: string): Promise<void>;
	/** A successful login clears the account's count, so a typo earlier does not linger. */
	reset(email: string): Promise<void>;
}

export function createLoginLimiter(options: LoginLimiterOptions): LoginLimiter {
	const make = options.createLimiter ?? memoryLimiters;
	const perAccount = make('login_account', options.maxPerAccount, options.windowSeconds);
	const perAddress = make('login_address', options.maxPerAddress, options.windowSeconds);
	return {
		async consume(email, address) {
			try {
				await Promise.all([perAccount.consume(email.toLowerCase()), perAddress.consume(address)]);
			} catch (error) {
				if (error instanceof RateLimiterRes) throw rateLimited(error);
				throw error;
			}
		},
		async reset(email) {
			await perAccount.delete(email.toLowerCase());
		}
	};
}

export interface RequestLimiter {
	/** Counts one request of `key`; throws `rate_limited` past the cap. */
	consume(key: string): Promise<void>;
}

/** A plain per-key cap (the JSON API per client address). */
export function createRequestLimiter(
	points: number,
	durationSeconds: number,
	createLimiter: LimiterFactory = memoryLimiters
): RequestLimiter {
	const limiter = createLimiter('api', points, durationSeconds);
	return {
		async consume(key) {
			try {
				await limiter.consume(key);
			} catch (error) {
				if (error instanceof RateLimiterRes) throw rateLimited(error);
				throw error;
			}
		}
	};
}
