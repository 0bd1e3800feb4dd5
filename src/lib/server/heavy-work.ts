import Tinypool from 'tinypool';
import type { DiffLimits, DraftDiff } from '../documents/diff.ts';
import {
	runHeavyTask,
	type DiffTask,
	type ExportTask,
	type FreezeTask,
	type FrozenDraft,
	type HeavyResult,
	type HeavyTask,
	type LayoutTask
} from '../documents/heavy-tasks.ts';
import { AppError } from './errors.ts';

/**
 * Diffs and exports, off the event loop: a small pool of worker threads runs them
 * (src/lib/documents/heavy-tasks.ts), and each user may have only a few in flight at once, so one
 * member asking for the heaviest comparison or PDF again and again neither stalls the rooms and
 * editors nor fills the pool's queue (429 `too_many_heavy_requests` beyond).
 */
export interface HeavyWork {
	diff(userId: string, task: Omit<DiffTask, 'kind' | 'limits'>): Promise<DraftDiff>;
	exportFile(userId: string, task: Omit<ExportTask, 'kind'>): Promise<Uint8Array>;
	layout(userId: string, task: Omit<LayoutTask, 'kind'>): Promise<Uint8Array>;
	/**
	 * Folds and renders a draft being frozen as a version. Not counted against the user: freezing
	 * is a coordinator's single step (and part of finalizing), not something to repeat at will.
	 */
	freeze(task: Omit<FreezeTask, 'kind'>): Promise<FrozenDraft>;
	/** Diffs and exports of this user running or queued now. */
	running(userId: string): number;
	/** Threads started so far (0 when the work runs in this thread, see `workerFile`). */
	readonly threads: number;
	close(): Promise<void>;
}

export interface HeavyWorkOptions {
	/**
	 * The built worker entry (build/heavy-worker.js). Without one (`vite dev`, unit tests) the work
	 * runs in this thread: bounded, but on the event loop.
	 */
	workerFile?: URL;
	/** TAVOLO_WORKER_THREADS */
	threads: number;
	/** TAVOLO_HEAVY_PER_USER: diffs and exports one user may have running or queued at once. */
	perUser: number;
	/** TAVOLO_DIFF_MAX_EDITS and TAVOLO_DIFF_TIMEOUT_MS */
	diffLimits: DiffLimits;
}

/** Idle worker threads end after this; the next task starts one again (some 0.5 s of loading). */
const idleTimeoutMs = 5 * 60_000;

export function createHeavyWork(options: HeavyWorkOptions): HeavyWork {
	const pool = options.workerFile
		? new Tinypool({ filename: options.workerFile.href, minThreads: 0, maxThreads: options.threads, idleTimeout: idleTimeoutMs })
		: null;
	const inFlight = new Map<string, number>();

	const execute = async <T extends HeavyTask>(task: T): Promise<HeavyResult<T>> =>
		pool ? ((await pool.run(task)) as HeavyResult<T>) : await runHeavyTask(task);

	async function run<T extends HeavyTask>(userId: string, task: T): Promise<HeavyResult<T>> {
		const running = inFlight.get(userId) ?? 0;
		if (running >= options.perUser) throw new AppError('too_many_heavy_requests', { retryAfterSeconds: 1 });
		inFlight.set(userId, running + 1);
		try {
			return await execute(task);
		} finally {
			const left = (inFlight.get(userId) ?? 1) - 1;
			if (left > 0) inFlight.set(userId, left);
			else inFlight.delete(userId);
		}
	}

	return {
		diff: (userId, task) => run(userId, { kind: 'diff', ...task, limits: options.diffLimits }),
		exportFile: (userId, task) => run(userId, { kind: 'export', ...task }),
		layout: (userId, task) => run(userId, { kind: 'layout', ...task }),
		freeze: (task) => execute({ kind: 'freeze', ...task }),
		running: (userId) => inFlight.get(userId) ?? 0,
		get threads() {
			return pool?.threads.length ?? 0;
		},
		async close() {
			await pool?.destroy();
		}
	};
}
