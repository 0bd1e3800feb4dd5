import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { yjsCloseCodes } from '../realtime/yjs-messages.ts';
import { waitUntil } from '../../../tests/support/wait-until.ts';
import { jitterReconnects, reconnectDelay, type BackoffPolicy } from './reconnect-backoff.ts';

const policy: BackoffPolicy = { baseMs: 250, maxMs: 10_000, minMs: 50 };

describe('reconnectDelay', () => {
	it('draws uniformly up to a ceiling that doubles per attempt and stops at maxMs', () => {
		expect([0, 1, 2, 3, 4, 5, 6, 7].map((attempt) => reconnectDelay(attempt, policy, () => 1))).toEqual([
			250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000
		]);
		expect(reconnectDelay(3, policy, () => 0.5)).toBe(1000);
		expect(reconnectDelay(40, policy, () => 0.25)).toBe(2500);
	});

	it('never goes below minMs, however small the draw', () => {
		expect(reconnectDelay(0, policy, () => 0)).toBe(50);
		expect(reconnectDelay(5, policy, () => 0.001)).toBe(50);
		expect(reconnectDelay(-1, policy, () => 1)).toBe(250);
	});

	it('spreads a crowd over the whole window instead of one instant', () => {
		const delays = Array.from({ length: 1000 }, () => reconnectDelay(4, policy));
		const quarters = [0, 1, 2, 3].map((q) => delays.filter((d) => d >= q * 1000 && d < (q + 1) * 1000).length);
		// Uniform over [50, 4000]: each quarter holds about a quarter of the draws.
		for (const count of quarters) expect(count).toBeGreaterThan(150);
		expect(Math.max(...delays)).toBeLessThanOrEqual(4000);
		expect(new Set(delays).size).toBeGreaterThan(500);
	});
});

/** A WebSocket server that closes every connection it accepts with `code`, and counts them. */
async function closingServer(code: number) {
	const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
	await new Promise<void>((resolve) => server.once('listening', () => resolve()));
	const arrivals: number[] = [];
	server.on('connection', (socket) => {
		arrivals.push(Date.now());
		socket.close(code, 'test');
	});
	return {
		url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
		arrivals,
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
	vi.useRealTimers();
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function providerOn(url: string, jitterPolicy: BackoffPolicy, random: () => number) {
	const doc = new Y.Doc();
	const provider = new WebsocketProvider(url, 'doc', doc, {
		WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
		disableBc: true,
		maxBackoffTime: 100
	});
	const reconnect = jitterReconnects(provider, jitterPolicy, random);
	cleanups.push(() => {
		reconnect.cancel();
		provider.destroy();
		doc.destroy();
	});
	return { provider, reconnect };
}

/**
 * Fake timeouts for the rest of the test, so "no retry came" is a fact rather than a wait: once
 * the clock is advanced past every delay either the provider or jitterReconnects may choose, each
 * retry scheduled has run, and one that connects has set `provider.ws` at once. Sockets, and
 * the intervals the provider keeps, stay real.
 */
function fakeTimeouts(): void {
	vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
}

describe('jitterReconnects on a real provider', () => {
	it('retries after its own jittered delay, not the provider’s (which would come after 100–200 ms)', async () => {
		const server = await closingServer(yjsCloseCodes.slowConsumer);
		cleanups.push(server.close);
		// Draws of 1: the ceilings themselves, 600 ms then 1200 ms.
		providerOn(server.url, { baseMs: 600, maxMs: 5000, minMs: 10 }, () => 1);
		await waitUntil(() => server.arrivals.length >= 3, 5000, 'three connection attempts');
		const gaps = [server.arrivals[1] - server.arrivals[0], server.arrivals[2] - server.arrivals[1]];
		expect(gaps[0]).toBeGreaterThanOrEqual(580);
		expect(gaps[1]).toBeGreaterThanOrEqual(1180);
	});

	it('does not reconnect after a 44xx close: the server decided, and the provider says "closed"', async () => {
		fakeTimeouts();
		const server = await closingServer(yjsCloseCodes.forbidden);
		cleanups.push(server.close);
		const { provider } = providerOn(server.url, { baseMs: 20, maxMs: 40, minMs: 10 }, () => 0);
		const closed: number[] = [];
		provider.on('closed', ({ code }) => closed.push(code));
		await waitUntil(() => closed.length === 1, 5000, 'the closed event');
		// Past the provider's own backoff (at most maxBackoffTime, 100 ms) and the jittered one (40 ms).
		vi.advanceTimersByTime(10_000);
		expect(provider.ws, 'no reconnection started').toBeNull();
		expect(server.arrivals).toHaveLength(1);
		expect(provider.shouldConnect).toBe(false);
	});

	it('leaves a deliberate disconnect alone, and connectNow skips the wait', async () => {
		fakeTimeouts();
		const server = await closingServer(yjsCloseCodes.goingAway);
		cleanups.push(server.close);
		const { provider, reconnect } = providerOn(server.url, { baseMs: 60_000, maxMs: 60_000, minMs: 60_000 }, () => 1);
		await waitUntil(() => server.arrivals.length === 1 && provider.ws === null, 5000, 'the first connection to close');
		// The only retry is a minute away; the browser coming online connects at once.
		reconnect.connectNow();
		await waitUntil(() => server.arrivals.length === 2, 5000, 'the connection made by connectNow');
		await waitUntil(() => provider.ws === null, 5000, 'the second connection to close');
		provider.disconnect();
		reconnect.cancel();
		// Past every retry that could have been pending, the jittered minute included.
		vi.advanceTimersByTime(120_000);
		expect(provider.ws, 'no reconnection started').toBeNull();
		expect(server.arrivals).toHaveLength(2);
	});
});
