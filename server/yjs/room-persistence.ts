import type { Logger } from 'pino';
import * as Y from 'yjs';
import type { CommitScheduler, CommitSource, PendingBatch } from '../persistence/commit-scheduler.ts';
import type { YjsStore } from '../persistence/yjs-store.ts';
import type { Connection } from './connection.ts';
import type { YjsMetrics } from './yjs-metrics.ts';

export interface RoomPersistenceOptions {
	docName: string;
	/** The room's document: a commit's durable mark is a snapshot of it. */
	doc: Y.Doc;
	store: YjsStore;
	scheduler: CommitScheduler<Y.Snapshot>;
	/** TAVOLO_YJS_COMPACT_AFTER: log rows after which a commit starts a compaction. */
	compactAfter: number;
	logger: Logger;
	metrics: Pick<YjsMetrics, 'pendingUpdates' | 'compactions'>;
	/** True once the endpoint shuts down: no compaction then, only the final flush. */
	isShuttingDown(): boolean;
	/** Tracks background work (compaction) so shutdown can wait for it. */
	track(work: Promise<unknown>): void;
	/** A commit is in the database: tell these writers (those still connected) with a durable ack. */
	acknowledge(writers: ReadonlySet<Connection>, durable: Y.Snapshot): void;
	/** A commit or a compaction finished: the room may leave memory now if nobody is connected. */
	settled(): void;
}

/**
 * A room's share of persistence: which applied updates are not committed yet and whose they are,
 * what is durable, the hand-off to the group commit (it is the scheduler's CommitSource),
 * compaction, and what must happen before the document may leave memory.
 */
export class RoomPersistence implements CommitSource<Y.Snapshot> {
	readonly docName: string;
	private pending: Uint8Array[] = [];
	/** Connections whose updates are in `pending`: they, and only they, await a durable ack. */
	private pendingWriters = new Set<Connection>();
	/** The writers of the batch being committed. */
	private committingWriters = new Set<Connection>();
	private committing = false;
	private durableMark: Y.Snapshot | null = null;
	private tailRows = 0;
	private compacting = false;
	/** The compaction on the way out was tried since the last connection left. */
	private compactedOnLeave = false;
	private readonly options: RoomPersistenceOptions;

	constructor(options: RoomPersistenceOptions) {
		this.options = options;
		this.docName = options.docName;
	}

	/** Everything in this snapshot is committed; null until the stored state is loaded. */
	get durable(): Y.Snapshot | null {
		return this.durableMark;
	}

	hasUnsaved(): boolean {
		return this.pending.length > 0 || this.committing;
	}

	/** The stored state is in the document: all of it is durable, `tailRows` log rows await compaction. */
	loaded(tailRows: number): void {
		this.tailRows = tailRows;
		this.durableMark = Y.snapshot(this.options.doc);
	}

	/** An update was applied to the document; `writer` is the connection it came from, if any. */
	applied(update: Uint8Array, writer: Connection | null): void {
		this.pending.push(update);
		if (writer) this.pendingWriters.add(writer);
		this.options.metrics.pendingUpdates.inc();
		this.options.scheduler.markDirty(this);
	}

	/** A connection joined: when the room empties again, it compacts again on the way out. */
	joined(): void {
		this.compactedOnLeave = false;
	}

	takePending(): PendingBatch<Y.Snapshot> | null {
		if (this.pending.length === 0) return null;
		const updates = this.pending;
		this.pending = [];
		this.committingWriters = this.pendingWriters;
		this.pendingWriters = new Set();
		this.committing = true;
		// Every applied update is in `updates`, so once they commit the database holds at least
		// the document as it is now: that is the durable mark the clients are told about.
		return { updates, mark: Y.snapshot(this.options.doc) };
	}

	committed(batch: PendingBatch<Y.Snapshot>): void {
		this.committing = false;
		this.options.metrics.pendingUpdates.dec(batch.updates.length);
		this.durableMark = batch.mark;
		this.tailRows += batch.updates.length;
		// Only the writers of this batch are told: a reader has nothing of its own to see saved,
		// and at hundreds of readers an ack to everyone after every commit would double the traffic.
		const writers = this.committingWriters;
		this.committingWriters = new Set();
		this.options.acknowledge(writers, batch.mark);
		if (this.tailRows >= this.options.compactAfter) this.compact();
		this.options.settled();
	}

	failed(batch: PendingBatch<Y.Snapshot>): void {
		this.committing = false;
		this.pending = batch.updates.concat(this.pending);
		for (const conn of this.committingWriters) this.pendingWriters.add(conn);
		this.committingWriters = new Set();
	}

	/**
	 * Nobody is connected: true when the document may leave memory. Otherwise this starts what must
	 * come first (the commit of unsaved updates, once a compaction of the log) and `settled` is
	 * called when it finished. A failed commit is retried by the scheduler, whose success settles
	 * again; a failed compaction loses nothing (the log stays) and does not hold the document.
	 */
	readyToLeave(): boolean {
		if (this.hasUnsaved()) {
			// A failure is logged and retried by the scheduler; the room stays until it succeeds.
			this.options.scheduler.flush().catch(() => undefined);
			return false;
		}
		if (this.compacting) return false;
		if (this.tailRows > 0 && !this.compactedOnLeave) {
			this.compactedOnLeave = true;
			if (this.compact()) return false;
		}
		return true;
	}

	/** Starts a compaction unless one runs or the endpoint shuts down; false when none started. */
	private compact(): boolean {
		if (this.compacting || this.options.isShuttingDown()) return false;
		this.compacting = true;
		const work = this.options.store.compact(this.docName).then(
			(folded) => {
				this.tailRows = Math.max(0, this.tailRows - folded);
				this.options.metrics.compactions.inc({ result: 'ok' });
			},
			(error: unknown) => {
				// The log is intact (the compaction rolled back); the next one will fold it.
				this.options.metrics.compactions.inc({ result: 'failed' });
				this.options.logger.error({ err: error, docName: this.docName }, 'yjs compaction failed');
			}
		);
		this.options.track(
			work.finally(() => {
				this.compacting = false;
				this.options.settled();
			})
		);
		return true;
	}
}
