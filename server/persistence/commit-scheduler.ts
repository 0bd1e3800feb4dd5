import type { Logger } from 'pino';
import type { YjsLogEntry, YjsStore } from './yjs-store.ts';

/** What the scheduler commits: one in-memory document's updates waiting for the database. */
export interface CommitSource<Mark> {
	readonly docName: string;
	/** Hands over every pending update and a mark of the state they bring the document to. */
	takePending(): PendingBatch<Mark> | null;
	/** The batch is in the database. */
	committed(batch: PendingBatch<Mark>): void;
	/** The batch is not in the database: put its updates back in front of any newer ones. */
	failed(batch: PendingBatch<Mark>): void;
}

export interface PendingBatch<Mark> {
	updates: Uint8Array[];
	mark: Mark;
}

export interface CommitObserver {
	committed(rows: number, seconds: number): void;
	failed(): void;
}

export interface CommitSchedulerOptions {
	store: YjsStore;
	/** TAVOLO_YJS_COMMIT_DELAY_MS: how long the first pending update waits for company. */
	delayMs: number;
	/**
	 * TAVOLO_YJS_COMMIT_MAX_BATCH: this many updates pending (over every document) commit at once,
	 * without waiting for the window to close. Default: no limit (the window alone decides).
	 */
	maxBatch?: number;
	logger: Logger;
	observer?: CommitObserver;
	/** Retry after a failed commit: doubles from `initial` up to `max` while the database is down. */
	backoffMs?: { initial: number; max: number };
}

export interface CommitScheduler<Mark> {
	/**
	 * The source has one more pending update: commit it within `delayMs`, or at once when
	 * `maxBatch` updates are pending (while the database fails: at the next retry).
	 */
	markDirty(source: CommitSource<Mark>): void;
	/** Commits everything pending now; rejects when that commit failed (it is retried later). */
	flush(): Promise<void>;
	/** True while some source has updates not yet in the database (pending or being committed). */
	hasDirty(): boolean;
	close(): void;
}

/**
 * Group commit: updates from every document that arrive within `delayMs` go to the database in
 * one multi-row INSERT, so a busy room costs one round trip per tick rather than one per
 * keystroke. The window adapts to a burst: once `maxBatch` updates are pending the commit starts
 * at once (or right after the one in progress) instead of letting the batch and its acks wait;
 * a quiet document still commits when its window closes. Only one commit runs at a time, which
 * keeps each document's rows in order.
 * A failed commit leaves the updates with their documents (which therefore stay in memory) and is
 * retried with exponential backoff; the rooms keep working meanwhile.
 */
export function createCommitScheduler<Mark>(options: CommitSchedulerOptions): CommitScheduler<Mark> {
	const { store, delayMs, logger, observer } = options;
	const maxBatch = options.maxBatch ?? Infinity;
	const backoff = options.backoffMs ?? { initial: 100, max: 5000 };
	const dirty = new Set<CommitSource<Mark>>();
	let timer: NodeJS.Timeout | undefined;
	let running: Promise<void> | undefined;
	let consecutiveFailures = 0;
	let closed = false;
	/** Updates marked since the last commit took them. */
	let pendingCount = 0;
	/** A commit forced by `maxBatch` is queued (after the one in progress): no second one. */
	let batchFull = false;

	function schedule(waitMs: number) {
		if (timer || closed) return;
		timer = setTimeout(() => {
			timer = undefined;
			// A failure is logged and rescheduled inside commitDirty; nothing more to do here.
			flush().catch(() => undefined);
		}, waitMs);
		timer.unref();
	}

	async function commitDirty(): Promise<void> {
		if (timer) {
			clearTimeout(timer);
			timer = undefined;
		}
		batchFull = false;
		pendingCount = 0;
		const taken: Array<{ source: CommitSource<Mark>; batch: PendingBatch<Mark> }> = [];
		for (const source of dirty) {
			const batch = source.takePending();
			if (batch && batch.updates.length > 0) taken.push({ source, batch });
		}
		dirty.clear();
		if (taken.length === 0) return;

		const entries: YjsLogEntry[] = taken.flatMap(({ source, batch }) =>
			batch.updates.map((update) => ({ docName: source.docName, update }))
		);
		const started = performance.now();
		try {
			await store.append(entries);
		} catch (error) {
			for (const { source, batch } of taken) {
				source.failed(batch);
				dirty.add(source);
			}
			consecutiveFailures += 1;
			const retryMs = Math.min(backoff.initial * 2 ** (consecutiveFailures - 1), backoff.max);
			observer?.failed();
			logger.error(
				{ err: error, rows: entries.length, documents: taken.length, retryMs, consecutiveFailures },
				'yjs commit failed; updates stay in memory and are retried'
			);
			schedule(retryMs);
			throw error;
		}
		consecutiveFailures = 0;
		observer?.committed(entries.length, (performance.now() - started) / 1000);
		for (const { source, batch } of taken) source.committed(batch);
		if (dirty.size > 0) schedule(delayMs);
	}

	function flush(): Promise<void> {
		// Chained after the commit in progress, whatever its outcome, so commits never overlap.
		const previous = running ?? Promise.resolve();
		const next = previous.catch(() => undefined).then(commitDirty);
		running = next;
		const clear = () => {
			if (running === next) running = undefined;
		};
		next.then(clear, clear);
		return next;
	}

	return {
		markDirty(source) {
			dirty.add(source);
			pendingCount += 1;
			// While the database is failing, the backoff timer decides when to try again.
			if (consecutiveFailures > 0 || closed) return;
			if (pendingCount >= maxBatch && !batchFull) {
				batchFull = true;
				// A failure is logged and rescheduled inside commitDirty.
				flush().catch(() => undefined);
				return;
			}
			schedule(delayMs);
		},
		flush,
		hasDirty: () => dirty.size > 0 || running !== undefined,
		close() {
			closed = true;
			if (timer) clearTimeout(timer);
			timer = undefined;
		}
	};
}
