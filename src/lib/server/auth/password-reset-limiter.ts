import { RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors.ts';
import { memoryLimiters, type LimiterFactory } from './login-limiter.ts';

export interface PasswordResetLimiterOptions {
	/** Reset mails asked for one address (known or not) per window: stops mail-bombing a person. */
	maxPerEmail: number;
	/** Requests and confirmations from one client address per window: stops guessing and spraying. */
	maxPerAddress: number;
	windowSeconds: number;
	/** Redis when REDIS_URL is set (see `redisLimiters`), memory otherwise. */
	createLimiter?: LimiterFactory;
}

export interface PasswordResetLimiter {
	/** Counts one request for `email` from `address`; throws `rate_limited` past either cap. */
	consumeRequest(email: string, address: string): Promise<void>;
	/** Counts one attempt to use a reset link from `address`. */
	consumeConfirm(address: string): Promise<void>;
}

/**
 * The password reset's own small caps, apart from the login limiter. Both answer the same whether
 * the address has an account or not, so a 429 tells nothing about who is registered.
 */
export function createPasswordResetLimiter(options: PasswordResetLimiterOptions): PasswordResetLimiter {
	const make = options.createLimiter ?? memoryLimiters;
	const perEmail = make('reset_email', options.maxPerEmail, options.windowSeconds);
	const perAddress = make('reset_address', options.maxPerAddress, options.windowSeconds);
	const count = async (work: Promise<unknown>) => {
		try {
			await work;
		} catch (error) {
			if (error instanceof RateLimiterRes) {
				throw new AppError('rate_limited', { retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) });
			}
			throw error;
		}
	};
	return {
		// The address first: a sprayer over many e-mails is stopped before it uses up their counts.
		consumeRequest: async (email, address) => {
			await count(perAddress.consume(address));
			await count(perEmail.consume(email.trim().toLowerCase()));
		},
		consumeConfirm: (address) => count(perAddress.consume(address))
	};
}
