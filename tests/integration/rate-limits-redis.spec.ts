import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createLoginLimiter, createRequestLimiter, redisLimiters } from '../../src/lib/server/auth/login-limiter.ts';
import { isAppError } from '../../src/lib/server/errors.ts';
import { newId } from '../../src/lib/server/ids.ts';
import { ApiClient, startTestApp } from '../support/app.ts';
import { connectSocket } from '../support/socket-test-client.ts';

/**
 * The login and API caps over a real Redis (REDIS_URL, default redis://127.0.0.1:6379): two
 * limiter sets on two clients stand for two nodes; the app-level tests run one app and play the
 * second node with a limiter of their own on the same keys.
 */
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const clients: Redis[] = [];
const prefixes: string[] = [];

/** A connected client: one not ready yet would count in memory (rejectIfRedisNotReady). */
async function ready(client: Redis): Promise<Redis> {
	clients.push(client);
	if (client.status !== 'ready') await new Promise<void>((resolve) => client.once('ready', () => resolve()));
	return client;
}
const node = () => ready(new Redis(redisUrl));
function uniquePrefix(): string {
	const prefix = `tavolo-test-${newId(8)}`;
	prefixes.push(prefix);
	return prefix;
}

afterAll(async () => {
	const cleaner = new Redis(redisUrl);
	for (const prefix of prefixes) {
		const keys = await cleaner.keys(`${prefix}*`);
		if (keys.length > 0) await cleaner.del(...keys);
	}
	await cleaner.quit();
	for (const client of clients) client.disconnect();
});

async function refusal(attempt: Promise<unknown>): Promise<string | null> {
	try {
		await attempt;
		return null;
	} catch (error) {
		if (isAppError(error)) return error.code;
		throw error;
	}
}

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

describe('limiters on a shared Redis', () => {
	it('counts failed logins of an account from one address across two nodes; a success gives its attempt back', async () => {
		const prefix = uniquePrefix();
		const options = { maxPerAccount: 3, maxPerAddress: 100, windowSeconds: 60, slowdownAfter: 1000, slowdownMs: 1 };
		const nodeA = createLoginLimiter({ ...options, createLimiter: redisLimiters(await node(), { prefix }) });
		const nodeB = createLoginLimiter({ ...options, createLimiter: redisLimiters(await node(), { prefix }) });

		expect(await refusal(nodeA.attempt('Sindaco@Comune.example', '10.0.0.1'))).toBeNull();
		expect(await refusal(nodeB.attempt('sindaco@comune.example', '10.0.0.1'))).toBeNull();
		expect(await refusal(nodeA.attempt('sindaco@comune.example', '10.0.0.1'))).toBeNull();
		// Each node alone has seen at most two attempts: only the shared count can refuse these.
		expect(await refusal(nodeB.attempt('sindaco@comune.example', '10.0.0.1'))).toBe('rate_limited');
		// The owner elsewhere, and another account from the same address, are not concerned.
		const owner = await nodeA.attempt('sindaco@comune.example', '10.0.0.9');
		expect(await refusal(nodeB.attempt('altro@comune.example', '10.0.0.1'))).toBeNull();

		// Successes never count, on either node: the owner logs in again and again.
		await owner.succeeded();
		for (let i = 0; i < 5; i++) await (await (i % 2 ? nodeA : nodeB).attempt('sindaco@comune.example', '10.0.0.9')).succeeded();
		expect(await refusal(nodeA.attempt('sindaco@comune.example', '10.0.0.9'))).toBeNull();
	});

	it('slows, never locks, an account failing from many addresses across two nodes', async () => {
		const prefix = uniquePrefix();
		const waits: number[] = [];
		const options = {
			maxPerAccount: 3,
			maxPerAddress: 100,
			windowSeconds: 60,
			slowdownAfter: 4,
			slowdownMs: 750,
			wait: async (ms: number) => void waits.push(ms)
		};
		const nodeA = createLoginLimiter({ ...options, createLimiter: redisLimiters(await node(), { prefix }) });
		const nodeB = createLoginLimiter({ ...options, createLimiter: redisLimiters(await node(), { prefix }) });
		for (let i = 0; i < 4; i++) await (i % 2 ? nodeA : nodeB).attempt('giunta@comune.example', `10.1.0.${i}`);
		expect(waits).toEqual([]);
		// The fifth failure anywhere: the next attempts wait, the owner's too, and are let through.
		await nodeA.attempt('giunta@comune.example', '10.1.0.9');
		const owner = await nodeB.attempt('giunta@comune.example', '10.2.0.1');
		expect(waits).toEqual([750, 750]);
		await owner.succeeded();
	});

	it('caps sign-ups of one address across two nodes', async () => {
		const prefix = uniquePrefix();
		const nodeA = createRequestLimiter(2, 3600, redisLimiters(await node(), { prefix }), 'signup');
		const nodeB = createRequestLimiter(2, 3600, redisLimiters(await node(), { prefix }), 'signup');
		expect(await refusal(nodeA.consume('198.51.100.1'))).toBeNull();
		expect(await refusal(nodeB.consume('198.51.100.1'))).toBeNull();
		expect(await refusal(nodeA.consume('198.51.100.1'))).toBe('rate_limited');
		expect(await refusal(nodeB.consume('198.51.100.2'))).toBeNull();
		expect(await (await node()).keys(`${prefix}signup:*`)).toHaveLength(2);
	});

	it('caps API requests of one address across two nodes', async () => {
		const prefix = uniquePrefix();
		const nodeA = createRequestLimiter(4, 60, redisLimiters(await node(), { prefix }));
		const nodeB = createRequestLimiter(4, 60, redisLimiters(await node(), { prefix }));
		const answers: Array<string | null> = [];
		for (let i = 0; i < 6; i++) answers.push(await refusal((i % 2 === 0 ? nodeA : nodeB).consume('192.0.2.7')));
		expect(answers).toEqual([null, null, null, null, 'rate_limited', 'rate_limited']);
		expect(await refusal(nodeA.consume('192.0.2.8'))).toBeNull();
	});

	it('keeps counting in memory, without waiting, when Redis cannot be reached', async () => {
		const unreachable = new Redis({ host: '127.0.0.1', port: await closedPort(), retryStrategy: () => 200 });
		unreachable.on('error', () => undefined);
		clients.push(unreachable);
		const limiter = createLoginLimiter({
			maxPerAccount: 2,
			maxPerAddress: 100,
			windowSeconds: 60,
			slowdownAfter: 100,
			slowdownMs: 1,
			createLimiter: redisLimiters(unreachable, { prefix: uniquePrefix() })
		});
		const started = Date.now();
		expect(await refusal(limiter.attempt('a@comune.example', '10.0.0.1'))).toBeNull();
		expect(await refusal(limiter.attempt('a@comune.example', '10.0.0.1'))).toBeNull();
		expect(await refusal(limiter.attempt('a@comune.example', '10.0.0.1'))).toBe('rate_limited');
		expect(Date.now() - started).toBeLessThan(400);
		expect(unreachable.status).not.toBe('ready');
	});

	it('falls back to memory when Redis stops answering on an open connection', async () => {
		// A TCP relay to the real Redis that, once frozen, holds what the client sends.
		const target = new URL(redisUrl);
		let frozen = false;
		const held: Array<() => void> = [];
		const relay = net.createServer((inbound) => {
			const outbound = net.connect(Number(target.port || 6379), target.hostname);
			inbound.on('data', (chunk) => {
				if (frozen) held.push(() => outbound.write(chunk));
				else outbound.write(chunk);
			});
			outbound.pipe(inbound);
			inbound.on('error', () => outbound.destroy());
			outbound.on('error', () => inbound.destroy());
			inbound.on('close', () => outbound.destroy());
		});
		await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
		const relayed = await ready(new Redis({ host: '127.0.0.1', port: (relay.address() as net.AddressInfo).port }));
		try {
			const limiter = createRequestLimiter(1, 60, redisLimiters(relayed, { prefix: uniquePrefix() }));
			frozen = true;
			const started = Date.now();
			expect(await refusal(limiter.consume('192.0.2.9'))).toBeNull();
			expect(await refusal(limiter.consume('192.0.2.9'))).toBe('rate_limited');
			expect(relayed.status).toBe('ready');
			// Two calls, each given up after the 500 ms timeout, not ioredis' retries.
			expect(Date.now() - started).toBeLessThan(2500);
		} finally {
			// The held commands go through and are answered before the client quits: dropped on a
			// disconnect, ioredis would reject them ("Connection is closed") with no one listening.
			frozen = false;
			for (const send of held.splice(0)) send();
			await relayed.quit();
			relay.close();
		}
	});
});

describe('the app with REDIS_URL', () => {
	it('keeps the API cap in Redis, where a second node sees it', async () => {
		const prefix = uniquePrefix();
		const app = await startTestApp({ REDIS_URL: redisUrl, TAVOLO_REDIS_PREFIX: prefix, TAVOLO_API_REQUESTS_PER_MINUTE: '5' });
		try {
			expect(app.services.redis).toBeDefined();
			const client = new ApiClient(app.origin);
			const statuses: number[] = [];
			for (let i = 0; i < 6; i++) statuses.push((await client.get('/api/v1/me')).status);
			expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);

			const [key] = await (await node()).keys(`${prefix}:rl:api:*`);
			expect(key).toBeDefined();
			const address = key.slice(`${prefix}:rl:api:`.length);
			const otherNode = createRequestLimiter(5, 60, redisLimiters(await node(), { prefix: `${prefix}:rl:` }));
			expect(await refusal(otherNode.consume(address))).toBe('rate_limited');
		} finally {
			await app.stop();
		}
		expect(app.services.redis?.status).toBe('end');
	});

	it('still signs people in, with the caps counted per node, while Redis is down', async () => {
		const app = await startTestApp({
			REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
			TAVOLO_REDIS_PREFIX: uniquePrefix(),
			TAVOLO_LOGIN_MAX_PER_ACCOUNT: '2'
		});
		try {
			const owner = new ApiClient(app.origin);
			await owner.signUp('giunta@comune.example', 'Giunta', 'password-giusta-1');
			const login = (password: string) =>
				new ApiClient(app.origin).post('/api/v1/auth/login', { email: 'giunta@comune.example', password });
			expect((await login('password-giusta-1')).status).toBe(200);
			expect((await login('sbagliata-1')).status).toBe(401);
			expect((await login('sbagliata-2')).status).toBe(401);
			expect((await login('password-giusta-1')).status).toBe(429);
		} finally {
			await app.stop();
		}
	});

	it('stops without a stray rejection when Redis accepted the connections and never answered', async () => {
		// A hung Redis: the connections open, so ioredis queues every command (the socket.io
		// adapter's SUBSCRIBE too) until shutdown rejects them with "Connection is closed.".
		const open = new Set<net.Socket>();
		const silent = net.createServer((socket) => {
			open.add(socket);
			socket.resume(); // reads and drops the commands, so it sees the client's FIN and closes too
			socket.on('close', () => open.delete(socket));
		});
		await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
		const stray: unknown[] = [];
		const onRejection = (reason: unknown) => void stray.push(reason);
		process.on('unhandledRejection', onRejection);
		try {
			const app = await startTestApp({
				REDIS_URL: `redis://127.0.0.1:${(silent.address() as net.AddressInfo).port}`,
				TAVOLO_REDIS_PREFIX: uniquePrefix()
			});
			const owner = new ApiClient(app.origin);
			await owner.signUp('segreteria@comune.example', 'Segreteria', 'password-giusta-1');
			expect((await owner.get('/api/v1/me')).status).toBe(200);
			// A connected socket: leaving at the stop, its session is stored for recovery (a SET).
			const socket = await connectSocket(app.origin, owner.sessionCookie);
			expect(socket.connected).toBe(true);
			expect(open.size).toBeGreaterThan(0);
			await app.stop();
			// Every connection the app opened is closed (none left reconnecting), and the
			// rejections of what they held have been dealt with: reported after a macrotask.
			await vi.waitFor(() => expect(open.size).toBe(0), { timeout: 10_000, interval: 20 });
			await new Promise((resolve) => setImmediate(resolve));
			await new Promise((resolve) => setImmediate(resolve));
			expect(stray.map((reason) => String(reason))).toEqual([]);
		} finally {
			process.off('unhandledRejection', onRejection);
			silent.close();
		}
	});
});
