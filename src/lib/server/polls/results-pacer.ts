import type { Redis } from 'ioredis';

/**
 * When an open anonymous poll's counts are published. Published after every vote, the counts
 * would tell anyone watching the room what the member who just clicked chose; so they are
 * published at every `batch`-th ballot written (new or changed, counted across nodes when a
 * shared counter is given), or after `intervalMs` if this node has at least two unpublished ones
 * (a lone ballot waits for the next one, or for the close, which publishes the final counts).
 */
export interface ResultsPacing {
	/** Ballots that make a batch (1 publishes every vote). */
	batch: number;
	/** After this long, two or more unpublished ballots are published anyway. */
	intervalMs: number;
	/** Ballots written so far on a poll, by every node (Redis); this process's count otherwise. */
	counter?: BallotCounter;
}

export interface BallotCounter {
	/** Counts one more ballot on the poll; resolves with the total so far. */
	increment(pollId: string): Promise<number>;
	forget(pollId: string): Promise<void>;
}

export interface ResultsPacer {
	/**
	 * One more ballot written on `pollId`: calls `publish` if that completes a batch, or later
	 * from the interval's timer.
	 */
	note(pollId: string, publish: () => void): Promise<void>;
	/** The poll closed (the close publishes the final counts itself). */
	forget(pollId: string): Promise<void>;
	/** Stops every timer (shutdown). */
	stop(): void;
}

export function memoryBallotCounter(): BallotCounter {
	const counts = new Map<string, number>();
	return {
		async increment(pollId) {
			const total = (counts.get(pollId) ?? 0) + 1;
			counts.set(pollId, total);
			return total;
		},
		async forget(pollId) {
			counts.delete(pollId);
		}
	};
}

/** The nodes' shared count of ballots per poll, living `ttlSeconds` after the last one. */
export function redisBallotCounter(redis: Redis, options: { prefix: string; ttlSeconds: number }): BallotCounter {
	const name = (pollId: string) => `${options.prefix}${pollId}`;
	return {
		async increment(pollId) {
			const [[incrError, total], [expireError]] = (await redis.multi().incr(name(pollId)).expire(name(pollId), options.ttlSeconds).exec())!;
			if (incrError) throw incrError;
			if (expireError) throw expireError;
			return Number(total);
		},
		async forget(pollId) {
			await redis.del(name(pollId));
		}
	};
}

interface Pending {
	/** This node's ballots since it last saw a batch published. */
	count: number;
	publish: () => void;
	timer: NodeJS.Timeout | undefined;
}

export function createResultsPacer({ batch, intervalMs, counter = memoryBallotCounter() }: ResultsPacing): ResultsPacer {
	const polls = new Map<string, Pending>();
	const release = (pollId: string, pending: Pending) => {
		clearTimeout(pending.timer);
		polls.delete(pollId);
		pending.publish();
	};
	return {
		async note(pollId, publish) {
			let pending = polls.get(pollId);
			if (!pending) polls.set(pollId, (pending = { count: 0, publish, timer: undefined }));
			pending.count += 1;
			pending.publish = publish;
			const total = await counter.increment(pollId);
			if (polls.get(pollId) !== pending) return;
			if (total % batch === 0) return release(pollId, pending);
			if (pending.timer) return;
			const waiting = pending;
			waiting.timer = setTimeout(() => {
				waiting.timer = undefined;
				if (waiting.count >= 2 && polls.get(pollId) === waiting) release(pollId, waiting);
			}, intervalMs);
			waiting.timer.unref();
		},
		async forget(pollId) {
			clearTimeout(polls.get(pollId)?.timer);
			polls.delete(pollId);
			await counter.forget(pollId);
		},
		stop() {
			for (const pending of polls.values()) clearTimeout(pending.timer);
			polls.clear();
		}
	};
}
