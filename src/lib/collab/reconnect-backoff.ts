import type { WebsocketProvider } from 'y-websocket';

/**
 * How a co-editing client waits before reconnecting to `/yjs`.
 *
 * The stock y-websocket provider backs off exponentially (200 ms, 400 ms, … up to its
 * `maxBackoffTime`) but without jitter: when a server process dies, every browser on it loses
 * its socket in the same millisecond and then knocks on the next process in lockstep, all at once
 * on every round. "Full jitter" (a uniform delay up to the exponential ceiling, as in AWS's
 * "Exponential Backoff And Jitter", 2015) spreads each round over its whole window instead.
 */
export interface BackoffPolicy {
	/** Ceiling of the first retry's delay; it doubles with each failed attempt. */
	baseMs: number;
	/** The ceiling never grows past this. */
	maxMs: number;
	/** No retry sooner than this: a refused connection must not turn into a busy loop. */
	minMs: number;
}

/** The browser's policy: a blip heals within a quarter second, a restart is spread over seconds. */
export const collabBackoff: BackoffPolicy = { baseMs: 250, maxMs: 10_000, minMs: 50 };

/**
 * The delay before retry number `attempt` (0 for the first retry after a working connection
 * closed): uniform in [minMs, min(maxMs, baseMs·2^attempt)].
 */
export function reconnectDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
	const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt));
	return Math.max(policy.minMs, Math.round(ceiling * random()));
}

export interface JitteredReconnect {
	/** Connect now (the browser came back online): drops a pending retry and its wait. */
	connectNow(): void;
	/** Stop retrying (the browser went offline, or the page is leaving). */
	cancel(): void;
}

/**
 * Takes reconnection over from `provider`: when a connection it wanted closes, the provider's
 * own un-jittered timer is disarmed (`shouldConnect = false` makes its scheduled attempt a no-op)
 * and `provider.connect()` is called after `reconnectDelay` instead.
 *
 * What stays the provider's: a close it made itself through `disconnect()` (it no longer wants a
 * connection, so nothing is retried), and a close code for which `provider.shouldReconnect` says
 * no (4400–4499, `yjsCloseCodes`: the server's decision; the provider emits `closed`). The attempt
 * count resets once a connection syncs, as the provider's own does.
 */
export function jitterReconnects(
	provider: WebsocketProvider,
	policy: BackoffPolicy = collabBackoff,
	random: () => number = Math.random
): JitteredReconnect {
	let attempt = 0;
	let timer: ReturnType<typeof setTimeout> | undefined;

	provider.on('connection-close', (event) => {
		if (!provider.shouldConnect) return;
		if (event && !provider.shouldReconnect(event, provider)) return;
		provider.shouldConnect = false;
		clearTimeout(timer);
		timer = setTimeout(
			() => {
				timer = undefined;
				provider.connect();
			},
			reconnectDelay(attempt, policy, random)
		);
		attempt += 1;
	});
	provider.on('sync', (isSynced) => {
		if (isSynced) attempt = 0;
	});

	return {
		connectNow() {
			clearTimeout(timer);
			timer = undefined;
			provider.connect();
		},
		cancel() {
			clearTimeout(timer);
			timer = undefined;
		}
	};
}
