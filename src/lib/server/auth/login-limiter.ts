import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from 'rate-limiter-flexible';
import { AppError } from '../errors.ts';

/** What the limiters below need of a rate-limiter-flexible limiter, whatever its store. */
export interface CountingLimiter {
	consume(key: string): Promise<RateLimiterRes>;
	reward(key: string, points?: number): Promise<RateLimiterRes>;
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
	/** Failed attempts of one account from one address in the window; beyond, that pair is refused. */
	maxPerAccount: number;
	/** Failed attempts from one address, whatever the account, in the window. */
	maxPerAddress: number;
	windowSeconds: number;
	/** Failed attempts of one account from every address after which each attempt waits `slowdownMs`. */
	slowdownAfter: number;
	slowdownMs: number;
	/** Redis when REDIS_URL is set (see `redisLimiters`), memory otherwise. */
	createLimiter?: LimiterFactory;
	/** How the slowdown waits (tests may watch it); a timer by default. */
	wait?: (ms: number) => Promise<void>;
}

/** One login attempt let through: say whether the password was right. */
export interface LoginAttempt {
	/** The right password: the attempt is given back, so successful logins never count. */
	succeeded(): Promise<void>;
}

export interface LoginLimiter {
	/**
	 * Counts one attempt before the password is checked (so a burst in parallel is counted too):
	 * throws `rate_limited` when this account failed too often from this address, or this address
	 * failed too often whatever the account; waits first when the account failed too often from
	 * everywhere together (slowed, never locked: the owner elsewhere still gets in).
	 */
	attempt(email: string, address: string): Promise<LoginAttempt>;
}

/**
 * Login caps that an attacker cannot turn against the owner (OWASP's "account lockout"
 * advice): failures are counted per account + address pair and per address, and a success
 * gives its attempt back, so twenty colleagues behind one office address all get in. Across
 * addresses an account is only slowed, never locked.
 */
export function createLoginLimiter(options: LoginLimiterOptions): LoginLimiter {
	const make = options.createLimiter ?? memoryLimiters;
	const perPair = make('login_pair', options.maxPerAccount, options.windowSeconds);
	const perAddress = make('login_address', options.maxPerAddress, options.windowSeconds);
	const perAccount = make('login_account', options.slowdownAfter, options.windowSeconds);
	const wait = options.wait ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
	return {
		async attempt(email, address) {
			const account = email.toLowerCase();
			const pair = `${account}|${address}`;
			const counted: Array<[CountingLimiter, string]> = [];
			try {
				await perPair.consume(pair);
				counted.push([perPair, pair]);
				await perAddress.consume(address);
				counted.push([perAddress, address]);
			} catch (error) {
				// Refused: what was counted for this attempt is given back (the refusal itself costs nothing).
				await Promise.all(counted.map(([limiter, key]) => limiter.reward(key)));
				if (error instanceof RateLimiterRes) throw rateLimited(error);
				throw error;
			}
			let slowed = false;
			try {
				await perAccount.consume(account);
			} catch (error) {
				if (!(error instanceof RateLimiterRes)) throw error;
				slowed = true;
			}
			counted.push([perAccount, account]);
			if (slowed) await wait(options.slowdownMs);
			return {
				async succeeded() {
					await Promise.all(counted.map(([limiter, key]) => limiter.reward(key)));
				}
			};
		}
	};
}

export interface RequestLimiter {
	/** Counts one request of `key`; throws `rate_limited` past the cap. */
	consume(key: string): Promise<void>;
}

/**
 * A plain per-key cap: state-changing requests and the JSON API per client address (keys
 * `api`), sign-ups per address (`signup`).
 */
export function createRequestLimiter(
	points: number,
	durationSeconds: number,
	createLimiter: LimiterFactory = memoryLimiters,
	keyPrefix = 'api'
): RequestLimiter {
	const limiter = createLimiter(keyPrefix, points, durationSeconds);
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
