import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { createCommitScheduler, type CommitScheduler, type PendingBatch } from './commit-scheduler.ts';
import { createMemoryYjsStore } from './memory-yjs-store.ts';
import type { YjsLogEntry, YjsStore } from './yjs-store.ts';

/**
 * The group commit on its own, with vitest's fake timers standing in for its delay and backoff
 * timers, the in-memory store behind it, and sources that are plain lists of updates.
 */

const delayMs = 50;
const backoffMs = { initial: 100, max: 300 };
const bytes = (...values: number[]) => Uint8Array.from(values);

/** A document's pending updates; the mark is how many updates it has handed over in all. */
function source(docName: string) {
	const events: string[] = [];
	let handedOver = 0;
	const doc = {
		docName,
		pending: [] as Uint8Array[],
		events,
		committedMarks: [] as number[],
		write(...updates: Uint8Array[]) {
			doc.pending.push(...updates);
		},
		takePending(): PendingBatch<number> | null {
			if (doc.pending.length === 0) return null;
			const updates = doc.pending;
			doc.pending = [];
			handedOver += updates.length;
			events.push(`take ${updates.length}`);
			return { updates, mark: handedOver };
		},
		committed(batch: PendingBatch<number>) {
			events.push(`committed ${batch.updates.length}`);
			doc.committedMarks.push(batch.mark);
		},
		failed(batch: PendingBatch<number>) {
			events.push(`failed ${batch.updates.length}`);
			handedOver -= batch.updates.length;
			doc.pending = batch.updates.concat(doc.pending);
		}
	};
	return doc;
}

/**
 * The in-memory store recording every append (the updates are bytes, not Yjs: nothing here loads
 * them); appends fail while `failing` and wait while `gate` is set.
 */
function recordingStore() {
	const inner = createMemoryYjsStore();
	const state = {
		appends: [] as YjsLogEntry[][],
		failing: false,
		gate: null as Promise<void> | null
	};
	const store: YjsStore = {
		...inner,
		async append(entries) {
			state.appends.push([...entries]);
			if (state.gate) await state.gate;
			if (state.failing) throw new Error('database is down');
			await inner.append(entries);
		}
	};
	return { store, state };
}

let scheduler: CommitScheduler<number>;
let store: ReturnType<typeof recordingStore>;
const observed = { committed: [] as number[], failed: 0 };

beforeEach(() => {
	vi.useFakeTimers();
	store = recordingStore();
	observed.committed = [];
	observed.failed = 0;
	scheduler = createCommitScheduler<number>({
		store: store.store,
		delayMs,
		logger: pino({ level: 'silent' }),
		backoffMs,
		observer: { committed: (rows) => observed.committed.push(rows), failed: () => (observed.failed += 1) }
	});
});

afterEach(() => {
	scheduler.close();
	vi.useRealTimers();
});

describe('CommitScheduler', () => {
	it('commits every dirty document in one append, delayMs after the first update', async () => {
		const a = source('agenda:a');
		const b = source('agenda:b');
		a.write(bytes(1), bytes(2));
		scheduler.markDirty(a);
		await vi.advanceTimersByTimeAsync(delayMs / 2);
		b.write(bytes(3));
		scheduler.markDirty(b);
		// b's update does not push the commit back: it rides with a's.
		await vi.advanceTimersByTimeAsync(delayMs / 2 - 1);
		expect(store.state.appends).toHaveLength(0);

		await vi.advanceTimersByTimeAsync(1);
		expect(store.state.appends).toEqual([
			[
				{ docName: 'agenda:a', update: bytes(1) },
				{ docName: 'agenda:a', update: bytes(2) },
				{ docName: 'agenda:b', update: bytes(3) }
			]
		]);
		expect(a.events).toEqual(['take 2', 'committed 2']);
		expect(b.events).toEqual(['take 1', 'committed 1']);
		expect(observed.committed).toEqual([3]);
		expect(scheduler.hasDirty()).toBe(false);
		// Nothing more to do: no empty commits afterwards.
		await vi.advanceTimersByTimeAsync(10 * delayMs);
		expect(store.state.appends).toHaveLength(1);
	});

	it('commits at once when maxBatch updates are pending; a quiet document still waits for its window', async () => {
		scheduler.close();
		scheduler = createCommitScheduler<number>({ store: store.store, delayMs, maxBatch: 3, logger: pino({ level: 'silent' }), backoffMs });
		const a = source('document:a');
		const b = source('document:b');
		const write = (doc: ReturnType<typeof source>, value: number) => {
			doc.write(bytes(value));
			scheduler.markDirty(doc);
		};
		write(a, 1);
		write(b, 2);
		await vi.advanceTimersByTimeAsync(0);
		expect(store.state.appends).toHaveLength(0);
		// The third pending update (over both documents) fills the batch: no wait for the window.
		write(a, 3);
		await vi.advanceTimersByTimeAsync(0);
		expect(store.state.appends.map((entries) => entries.map((e) => `${e.docName} ${e.update[0]}`))).toEqual([
			['document:a 1', 'document:a 3', 'document:b 2']
		]);
		expect(a.committedMarks).toEqual([2]);
		expect(b.committedMarks).toEqual([1]);

		// Alone, an update waits for the window, and commits when it closes.
		write(b, 4);
		await vi.advanceTimersByTimeAsync(delayMs - 1);
		expect(store.state.appends).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(store.state.appends.map((entries) => entries.map((e) => e.update[0]))).toEqual([[1, 3, 2], [4]]);
		expect(scheduler.hasDirty()).toBe(false);
	});

	it('a batch filled during a commit goes right after it, with every update that came meanwhile', async () => {
		scheduler.close();
		scheduler = createCommitScheduler<number>({ store: store.store, delayMs, maxBatch: 2, logger: pino({ level: 'silent' }), backoffMs });
		const a = source('document:a');
		let release!: () => void;
		store.state.gate = new Promise<void>((resolve) => (release = resolve));
		for (const value of [1, 2]) {
			a.write(bytes(value));
			scheduler.markDirty(a);
		}
		await vi.advanceTimersByTimeAsync(0);
		expect(store.state.appends).toHaveLength(1);
		for (const value of [3, 4, 5]) {
			a.write(bytes(value));
			scheduler.markDirty(a);
		}
		await vi.advanceTimersByTimeAsync(0);
		// One commit at a time: the full batch waits for the one in progress.
		expect(store.state.appends).toHaveLength(1);
		store.state.gate = null;
		release();
		await vi.advanceTimersByTimeAsync(0);
		expect(store.state.appends.map((entries) => entries.map((e) => e.update[0]))).toEqual([
			[1, 2],
			[3, 4, 5]
		]);
		expect(a.events).toEqual(['take 2', 'committed 2', 'take 3', 'committed 3']);
		expect(scheduler.hasDirty()).toBe(false);
	});

	it('runs one commit at a time: a flush during a commit waits for it, then takes what came since', async () => {
		const a = source('document:a');
		let release!: () => void;
		store.state.gate = new Promise<void>((resolve) => (release = resolve));
		a.write(bytes(1));
		scheduler.markDirty(a);
		const first = scheduler.flush();
		await vi.advanceTimersByTimeAsync(0);
		expect(store.state.appends).toHaveLength(1);
		expect(scheduler.hasDirty()).toBe(true);

		a.write(bytes(2));
		scheduler.markDirty(a);
		const second = scheduler.flush();
		await vi.advanceTimersByTimeAsync(0);
		expect(store.state.appends).toHaveLength(1);

		store.state.gate = null;
		release();
		await first;
		await second;
		expect(store.state.appends.map((entries) => entries.map((entry) => entry.update[0]))).toEqual([[1], [2]]);
		expect(a.events).toEqual(['take 1', 'committed 1', 'take 1', 'committed 1']);
		expect(a.committedMarks).toEqual([1, 2]);
		expect(scheduler.hasDirty()).toBe(false);
	});

	it('puts a failed batch back in front and retries with a doubling backoff up to its maximum', async () => {
		const a = source('document:a');
		store.state.failing = true;
		a.write(bytes(1));
		scheduler.markDirty(a);
		await vi.advanceTimersByTimeAsync(delayMs);
		expect(store.state.appends).toHaveLength(1);
		expect(a.events).toEqual(['take 1', 'failed 1']);
		expect(a.pending).toEqual([bytes(1)]);
		expect(observed.failed).toBe(1);
		expect(scheduler.hasDirty()).toBe(true);

		// A new update while the database fails does not bring the retry forward.
		a.write(bytes(2));
		scheduler.markDirty(a);
		await vi.advanceTimersByTimeAsync(backoffMs.initial - 1);
		expect(store.state.appends).toHaveLength(1);
		await vi.advanceTimersByTimeAsync(1);
		expect(store.state.appends).toHaveLength(2);
		expect(store.state.appends[1].map((entry) => entry.update[0])).toEqual([1, 2]);

		// Then 200 ms, then the 300 ms maximum, twice.
		for (const wait of [2 * backoffMs.initial, backoffMs.max, backoffMs.max]) {
			const before = store.state.appends.length;
			await vi.advanceTimersByTimeAsync(wait - 1);
			expect(store.state.appends).toHaveLength(before);
			await vi.advanceTimersByTimeAsync(1);
			expect(store.state.appends).toHaveLength(before + 1);
		}

		store.state.failing = false;
		await vi.advanceTimersByTimeAsync(backoffMs.max);
		expect(a.pending).toEqual([]);
		expect(a.events.at(-1)).toBe('committed 2');
		expect(a.committedMarks).toEqual([2]);
		expect(scheduler.hasDirty()).toBe(false);
		expect(store.state.appends.at(-1)?.map((entry) => entry.update[0])).toEqual([1, 2]);

		// Back to normal: the next update waits delayMs again, not the backoff.
		a.write(bytes(3));
		scheduler.markDirty(a);
		const before = store.state.appends.length;
		await vi.advanceTimersByTimeAsync(delayMs);
		expect(store.state.appends).toHaveLength(before + 1);
	});

	it('keeps to the backoff when an update arrives while a retry is in flight', async () => {
		const a = source('document:a');
		store.state.failing = true;
		a.write(bytes(1));
		scheduler.markDirty(a);
		await vi.advanceTimersByTimeAsync(delayMs);
		expect(store.state.appends).toHaveLength(1);

		// The retry's INSERT hangs, an update comes meanwhile, then the INSERT fails.
		let release!: () => void;
		store.state.gate = new Promise<void>((resolve) => (release = resolve));
		await vi.advanceTimersByTimeAsync(backoffMs.initial);
		expect(store.state.appends).toHaveLength(2);
		a.write(bytes(2));
		scheduler.markDirty(a);
		store.state.gate = null;
		release();
		await vi.advanceTimersByTimeAsync(0);
		expect(a.events).toEqual(['take 1', 'failed 1', 'take 1', 'failed 1']);

		// The next try is the backoff's (200 ms), not delayMs after the new update.
		await vi.advanceTimersByTimeAsync(2 * backoffMs.initial - 1);
		expect(store.state.appends).toHaveLength(2);
		await vi.advanceTimersByTimeAsync(1);
		expect(store.state.appends).toHaveLength(3);
	});

	it('flush commits at once and rejects when the commit fails, keeping the updates for the retry', async () => {
		const a = source('agenda:a');
		a.write(bytes(1));
		scheduler.markDirty(a);
		store.state.failing = true;
		await expect(scheduler.flush()).rejects.toThrow('database is down');
		expect(a.pending).toEqual([bytes(1)]);
		expect(scheduler.hasDirty()).toBe(true);

		store.state.failing = false;
		await scheduler.flush();
		expect(a.events).toEqual(['take 1', 'failed 1', 'take 1', 'committed 1']);
		expect(scheduler.hasDirty()).toBe(false);
	});

	it('commits nothing by timer once closed', async () => {
		const a = source('agenda:a');
		a.write(bytes(1));
		scheduler.markDirty(a);
		scheduler.close();
		await vi.advanceTimersByTimeAsync(10 * delayMs);
		expect(store.state.appends).toHaveLength(0);
		// A flush (the endpoint's shutdown) still commits.
		await scheduler.flush();
		expect(store.state.appends).toHaveLength(1);
	});
});
