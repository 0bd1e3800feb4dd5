import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';

let app: TestApp;
beforeAll(async () => {
	app = await startTestApp({ TAVOLO_LOGIN_MAX_PER_ACCOUNT: '3', TAVOLO_LOGIN_MAX_PER_ADDRESS: '8' });
});
afterAll(() => app?.stop());

it('limits failed logins of an account from one address with a clear Italian message, even with the right password', async () => {
	const owner = new ApiClient(app.origin);
	await owner.signUp('limitato@test.example', 'Limitato', 'password-giusta-1');
	const attacker = new ApiClient(app.origin);
	for (let i = 0; i < 3; i++) {
		const wrong = await attacker.post('/api/v1/auth/login', { email: 'limitato@test.example', password: `sbagliata-${i}` });
		expect(wrong.status).toBe(401);
	}
	const blocked = await attacker.post('/api/v1/auth/login', { email: 'limitato@test.example', password: 'password-giusta-1' });
	expect(blocked.status).toBe(429);
	expect(blocked.body.error.code).toBe('rate_limited');
	expect(blocked.body.error.message).toMatch(/^Troppi tentativi\. Riprova tra \d+ minuti\.$/);
	expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
});

it('limits failed logins per address across accounts', async () => {
	const client = new ApiClient(app.origin);
	const statuses: number[] = [];
	for (let i = 0; i < 8; i++) {
		statuses.push((await client.post('/api/v1/auth/login', { email: `nessuno${i}@test.example`, password: 'x' })).status);
	}
	// The first test spent 4 attempts from this address already.
	expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
	expect(statuses.at(-1)).toBe(429);
});

it('caps JSON API requests per address with a clear 429', async () => {
	const limited = await startTestApp({ TAVOLO_API_REQUESTS_PER_MINUTE: '5' });
	try {
		const client = new ApiClient(limited.origin);
		const statuses: number[] = [];
		for (let i = 0; i < 7; i++) statuses.push((await client.get('/api/v1/me')).status);
		expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
		const refused = await client.get('/api/v1/me');
		expect(refused.status).toBe(429);
		expect(refused.body.error.code).toBe('rate_limited');
		// Pages are not counted: people reading the app are never locked out by the API cap.
		expect((await fetch(`${limited.origin}/login`)).status).toBe(200);
	} finally {
		await limited.stop();
	}
});
