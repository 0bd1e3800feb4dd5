import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../../tests/support/app.ts';
import { connectSocket, send, type ClientSocket } from './socket-test-client.ts';

/** Bad input reaches a socket handler as `unknown`: refused, acknowledged, never a crash. */
let app: TestApp;
let client: ApiClient;
let meetingId: string;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
	app = await startTestApp();
	client = new ApiClient(app.origin);
	await client.signUp('coord@sockets.example');
	const tableId = (await client.post('/api/v1/tables', { name: 'Tavolo', territory: 'Piana' })).body.id;
	meetingId = (
		await client.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Incontro',
			startsAt: '2027-01-10T15:00:00+01:00',
			endsAt: '2027-01-10T17:00:00+01:00'
		})
	).body.id;
});

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await app?.stop();
});

async function open(): Promise<ClientSocket> {
	const socket = await connectSocket(app.origin, client.sessionCookie);
	sockets.push(socket);
	return socket;
}

describe('socket commands with bad input', () => {
	it('acknowledges malformed payloads with validation_failed and an Italian message', async () => {
		const socket = await open();
		const payloads: unknown[] = [null, 42, 'x', [], { meetingId: 7 }, { meetingId: 'a'.repeat(200) }, { meetingId, itemId: { nested: true } }];
		for (const payload of payloads) {
			const ack = await send(socket, 'meeting:focus', payload as never);
			expect(ack).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^(validation_failed|not_found)$/) } });
			if (!ack.ok) expect(ack.error.message).toMatch(/[a-zà-ù]/);
		}
		const bad = await send(socket, 'timer:start', { meetingId, itemId: 'p1', durationMs: -5 });
		expect(bad).toMatchObject({ ok: false, error: { code: 'validation_failed', fields: { durationMs: expect.any(String) } } });
		expect(socket.connected).toBe(true);
	});

	it('ignores commands sent without an acknowledgement and unknown events, and stays up', async () => {
		const socket = await open();
		(socket.emit as (event: string, ...args: unknown[]) => void)('poll:vote', { pollId: 'x', choice: 1 });
		(socket.emit as (event: string, ...args: unknown[]) => void)('nonexistent:event', { a: 1 });
		const ack = await send(socket, 'meeting:join', { meetingId });
		expect(ack.ok).toBe(true);
	});

	it('closes only the connection that sends an oversized message', async () => {
		const big = await open();
		const other = await open();
		const closed = new Promise<string>((resolve) => big.once('disconnect', (reason) => resolve(reason)));
		(big.emit as (event: string, ...args: unknown[]) => void)('poll:vote', { pollId: 'x', choice: 'a'.repeat(200_000) });
		expect(await closed).toBe('transport close');
		expect((await send(other, 'meeting:join', { meetingId })).ok).toBe(true);
	});
});

describe('command rate', () => {
	it('refuses a burst beyond the per-socket limit with rate_limited, then recovers', async () => {
		const socket = await open();
		const answers = await Promise.all(Array.from({ length: 60 }, () => send(socket, 'meeting:join', { meetingId })));
		const limited = answers.filter((a) => !a.ok && a.error.code === 'rate_limited');
		expect(limited.length).toBeGreaterThan(0);
		expect(answers.filter((a) => a.ok).length).toBeGreaterThanOrEqual(30);
		await new Promise((r) => setTimeout(r, 1100));
		expect((await send(socket, 'meeting:join', { meetingId })).ok).toBe(true);
	});
});
