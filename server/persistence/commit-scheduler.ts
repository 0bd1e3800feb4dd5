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
	logger: Logger;
	observer?: CommitObserver;
	/** Retry after a failed commit: doubles from `initial` up to `max` while the database is down. */
	backoffMs?: { initial: number; max: number };
}

export interface CommitScheduler<Mark> {
	/** The source has pending updates: commit them within `delayMs` (or at the next retry). */
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
 * keystroke. Only one commit runs at a time, which keeps each document's rows in order.
 * A failed commit leaves the updates with their documents (which therefore stay in memory) and is
 * retried with exponential backoff; the rooms keep working meanwhile.
 */
export function createCommitScheduler<Mark>(options: CommitSchedulerOptions): CommitScheduler<Mark> {
	const { store, delayMs, logger, observer } = options;
	const backoff = options.backoffMs ?? { initial: 100, max: 5000 };
	const dirty = new Set<CommitSource<Mark>>();
	let timer: NodeJS.Timeout | undefined;
	let running: Promise<void> | undefined;
	let consecutiveFailures = 0;
	let closed = false;

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
			// While the database is failing, the backoff timer decides when to try again.
			if (consecutiveFailures === 0) schedule(delayMs);
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
