import type { ManagerOptions } from 'socket.io-client';

/**
 * How the live room's socket.io client comes back after losing the server, stated here rather
 * than left to socket.io-client's defaults so that the reconnect-storm fault script
 * (tests/faults/reconnect-storm.fault.ts) drives its clients with exactly the browser's policy.
 * socket.io-client doubles the delay per attempt from `reconnectionDelay` up to
 * `reconnectionDelayMax` and moves each delay by up to ±`randomizationFactor` of itself: the
 * jitter that keeps a room's worth of browsers from reconnecting to a restarted server in step.
 */
export const roomReconnection = {
	reconnection: true,
	reconnectionDelay: 1000,
	reconnectionDelayMax: 10_000,
	randomizationFactor: 0.5
} as const satisfies Partial<ManagerOptions>;
