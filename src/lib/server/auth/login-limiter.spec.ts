import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { createLoginLimiter } from './login-limiter.ts';

async function refusal(attempt: Promise<unknown>): Promise<string | null> {
	try {
		await attempt;
		return null;
	} catch (error) {
		if (isAppError(error)) return error.code;
		throw error;
	}
}

function limiter(overrides: Partial<Parameters<typeof createLoginLimiter>[0]> = {}) {
	const waits: number[] = [];
	const login = createLoginLimiter({
		maxPerAccount: 3,
		maxPerAddress: 5,
		windowSeconds: 60,
		slowdownAfter: 6,
		slowdownMs: 1000,
		wait: async (ms) => void waits.push(ms),
		...overrides
	});
	return { login, waits };
}

describe('the login limiter (in memory)', () => {
	it('refuses an account from the address that failed, not from another one', async () => {
		const { login } = limiter();
		for (let i = 0; i < 3; i++) await login.attempt('Sindaca@Comune.example', '10.0.0.1');
		expect(await refusal(login.attempt('sindaca@comune.example', '10.0.0.1'))).toBe('rate_limited');
		expect(await refusal(login.attempt('sindaca@comune.example', '10.0.0.2'))).toBeNull();
	});

	it('caps failures per address across accounts, and a refusal costs the other counters nothing', async () => {
		const { login } = limiter();
		for (let i = 0; i < 5; i++) await login.attempt(`persona${i}@comune.example`, '10.0.0.3');
		expect(await refusal(login.attempt('altra@comune.example', '10.0.0.3'))).toBe('rate_limited');
		// The refused attempt was not counted against that account anywhere.
		for (let i = 0; i < 3; i++) expect(await refusal(login.attempt('altra@comune.example', '10.0.0.4'))).toBeNull();
	});

	it('never counts a success', async () => {
		const { login } = limiter();
		for (let i = 0; i < 20; i++) await (await login.attempt('ufficio@comune.example', '10.0.0.5')).succeeded();
		expect(await refusal(login.attempt('ufficio@comune.example', '10.0.0.5'))).toBeNull();
	});

	it('slows, never refuses, an account failing from many addresses', async () => {
		const { login, waits } = limiter();
		for (let i = 0; i < 6; i++) await login.attempt('giunta@comune.example', `10.1.0.${i}`);
		expect(waits).toEqual([]);
		const owner = await login.attempt('giunta@comune.example', '10.2.0.1');
		expect(waits).toEqual([1000]);
		await owner.succeeded();
	});
});
