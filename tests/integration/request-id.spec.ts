import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

let app: TestApp;
beforeAll(async () => {
	app = await startTestApp();
});
afterAll(() => app?.stop());

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function requestId(path: string, init: RequestInit = {}): Promise<string | null> {
	const response = await fetch(app.origin + path, { redirect: 'manual', ...init });
	await response.arrayBuffer();
	return response.headers.get('x-request-id');
}

it('gives every kind of answer a fresh request id', async () => {
	const ids = [
		await requestId('/healthz'),
		await requestId('/login'),
		await requestId('/api/v1/me'),
		await requestId('/no-such-page'),
		// Refused by the Origin check in the hooks, before any route runs.
		await requestId('/api/v1/auth/logout', { method: 'POST', headers: { origin: 'https://evil.example' } })
	];
	for (const id of ids) expect(id).toMatch(uuid);
	expect(new Set(ids).size).toBe(ids.length);
});

it('echoes a safe id sent by a proxy, on pages, the API and health checks', async () => {
	for (const path of ['/healthz', '/login', '/api/v1/me']) {
		expect(await requestId(path, { headers: { 'x-request-id': 'lb-7f3a.2_x' } })).toBe('lb-7f3a.2_x');
	}
	const longest = 'a'.repeat(64);
	expect(await requestId('/api/v1/me', { headers: { 'x-request-id': longest } })).toBe(longest);
});

it('replaces an unsafe or oversized id with its own', async () => {
	for (const unsafe of ['a'.repeat(65), 'due parole', 'id;drop', '<script>', 'perché', '../../etc']) {
		const id = await requestId('/api/v1/me', {
			headers: { 'x-request-id': encodeURI(unsafe) === unsafe ? unsafe : encodeURIComponent(unsafe) }
		});
		expect(id, unsafe).toMatch(uuid);
	}
});
