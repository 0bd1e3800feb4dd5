import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../errors.ts';

export interface LoginLimiterOptions {
	maxPerAccount: number;
	maxPerAddress: number;
	windowSeconds: number;
	/** A shared store (Redis) when several nodes run; memory otherwise. */
	createLimiter?: (keyPrefix: string, points: number, duration: number) => RateLimiterAbstract;
}

export interface LoginLimiter {
	/** Counts one attempt; throws `rate_limited` when the account or the address is over its cap. */
	consume(email: string, address: string): Promise<void>;
	/** A successful login clears the account's count, so a typo earlier does not linger. */
	reset(email: string): Promise<void>;
}

export function createLoginLimiter(options: LoginLimiterOptions): LoginLimiter {
	const make =
		options.createLimiter ??
		((keyPrefix, points, duration) => new RateLimiterMemory({ keyPrefix, points, duration }));
	const perAccount = make('login_account', options.maxPerAccount, options.windowSeconds);
	const perAddress = make('login_address', options.maxPerAddress, options.windowSeconds);
	return {
		async consume(email, address) {
			try {
				await Promise.all([perAccount.consume(email.toLowerCase()), perAddress.consume(address)]);
			} catch (error) {
				if (error instanceof RateLimiterRes) {
					throw new AppError('rate_limited', {
						retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000))
					});
				}
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
export function createRequestLimiter(points: number, durationSeconds: number): RequestLimiter {
	const limiter = new RateLimiterMemory({ keyPrefix: 'api', points, duration: durationSeconds });
	return {
		async consume(key) {
			try {
				await limiter.consume(key);
			} catch (error) {
				if (error instanceof RateLimiterRes) {
					throw new AppError('rate_limited', { retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) });
				}
				throw error;
			}
		}
	};
}
