import type { Db } from '../db/connect.ts';
import { recordVotes, type VoteOutcome, type VoteRequest, type VotingRules } from './ballots.ts';
import { memoryBallotKeys, type BallotKeys } from './ballot-keys.ts';
import { createResultsPacer, type ResultsPacer, type ResultsPacing } from './results-pacer.ts';

/**
 * Group commit of votes, per poll: the votes that arrive while a batch of the same poll is being
 * written (or within the same turn of the event loop) become the next batch, written by
 * recordVotes in one statement (two round trips for the first batch, which reads the poll). So a
 * burst of hundreds of votes costs a few commits, and a lone vote waits for nothing but its own
 * write. The rules of an open poll are kept only while its votes keep coming: the poll is read
 * again once its queue has drained. The batcher also holds what the process keeps of anonymous
 * polls: their ballot keys (memory or Redis) and the pacing of their published counts.
 */
export interface VoteBatcher {
	/** Resolves once the vote is committed; rejects with the vote's own refusal or error. */
	cast(pollId: string, vote: VoteRequest): Promise<VoteReceipt>;
	/** Resolves once no batch is waiting or being written (shutdown, tests). */
	idle(): Promise<void>;
	/** Anonymous polls' ballot keys: never in the database. */
	keys: BallotKeys;
	/** When an anonymous poll's counts are published (in batches). */
	pacer: ResultsPacer;
}

export interface VoteBatcherOptions {
	db: Db;
	/**
	 * Votes written in one statement at most; the rest wait for the next batch. The batch travels
	 * as one JSON parameter, so this bounds the statement's size, not its parameter count.
	 */
	maxBatch?: number;
	/** Anonymous polls' ballot keys; this process's memory unless REDIS_URL gives Redis. */
	keys?: BallotKeys;
	/** Batches of anonymous polls' published counts (defaults: 5 ballots, 60 s). */
	pacing?: ResultsPacing;
	/** Writes a batch; recordVotes unless a test needs to see or break the batches. */
	write?: (
		db: Db,
		pollId: string,
		votes: readonly VoteRequest[],
		rules: Map<string, VotingRules>,
		keys: BallotKeys
	) => Promise<VoteOutcome[]>;
}

/** A committed vote: whether its poll is anonymous (its counts are then published in batches). */
export interface VoteReceipt {
	anonymous: boolean;
}

interface Pending {
	vote: VoteRequest;
	resolve: (receipt: VoteReceipt) => void;
	reject: (error: unknown) => void;
}

/** Owned by whoever creates it (the app context), never module-level. */
export function createVoteBatcher({
	db,
	maxBatch = 1000,
	keys = memoryBallotKeys(),
	pacing = { batch: 5, intervalMs: 60_000 },
	write = recordVotes
}: VoteBatcherOptions): VoteBatcher {
	const pacer = createResultsPacer(pacing);
	/** Per poll: the votes not yet in a batch. A poll is here while it has a batch due or running. */
	const queues = new Map<string, Pending[]>();
	const rules = new Map<string, VotingRules>();
	let waiters: Array<() => void> = [];

	const settle = (batch: Pending[], outcomes: VoteOutcome[]) => {
		batch.forEach((pending, i) => {
			const outcome = outcomes[i];
			if (outcome?.ok) pending.resolve({ anonymous: outcome.anonymous });
			else pending.reject(outcome ? outcome.error : new Error('vote batch returned no outcome for a vote'));
		});
	};

	const run = (pollId: string) => {
		const queue = queues.get(pollId)!;
		const batch = queue.splice(0, maxBatch);
		write(
			db,
			pollId,
			batch.map((p) => p.vote),
			rules,
			keys
		)
			.then(
				(outcomes) => settle(batch, outcomes),
				// recordVotes never rejects; a write that does leaves every vote of the batch unacknowledged.
				(error: unknown) =>
					settle(
						batch,
						batch.map(() => ({ ok: false, error }))
					)
			)
			.finally(() => {
				if (queue.length > 0) return run(pollId);
				queues.delete(pollId);
				rules.delete(pollId);
				if (queues.size === 0) {
					for (const resolve of waiters) resolve();
					waiters = [];
				}
			});
	};

	return {
		keys,
		pacer,
		cast(pollId, vote) {
			return new Promise<VoteReceipt>((resolve, reject) => {
				const queue = queues.get(pollId);
				if (queue) return void queue.push({ vote, resolve, reject });
				queues.set(pollId, [{ vote, resolve, reject }]);
				// Votes read from the sockets in the same turn of the event loop join this first batch.
				setImmediate(() => run(pollId));
			});
		},
		idle() {
			if (queues.size === 0) return Promise.resolve();
			return new Promise((resolve) => waiters.push(resolve));
		}
	};
}
