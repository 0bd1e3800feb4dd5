import { afterEach, describe, expect, it, vi } from 'vitest';
import { startPeriodicJob } from './periodic-job.ts';

function deferred() {
	let resolve!: () => void;
	let reject!: (error: Error) => void;
	const promise = new Promise<void>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

describe('a periodic job', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('runs at once and then on each tick, never two runs at once; stop waits for the run in progress', async () => {
		vi.useFakeTimers();
		const runs: Array<ReturnType<typeof deferred>> = [];
		const logger = { error: vi.fn() };
		const job = startPeriodicJob(
			() => {
				const run = deferred();
				runs.push(run);
				return run.promise;
			},
			{ intervalMs: 1000, logger, failure: 'failed' }
		);
		expect(runs).toHaveLength(1);
		// Still running at the tick: no second run.
		await vi.advanceTimersByTimeAsync(1000);
		expect(runs).toHaveLength(1);
		runs[0].resolve();
		await vi.advanceTimersByTimeAsync(1000);
		expect(runs).toHaveLength(2);

		let stopped = false;
		const stopping = job.stop().then(() => (stopped = true));
		await vi.advanceTimersByTimeAsync(5000);
		expect(stopped).toBe(false);
		expect(runs).toHaveLength(2);
		runs[1].resolve();
		await stopping;
		expect(stopped).toBe(true);
		expect(logger.error).not.toHaveBeenCalled();
	});

	it('logs a failed run and tries again at the next tick', async () => {
		vi.useFakeTimers();
		const logger = { error: vi.fn() };
		let calls = 0;
		const job = startPeriodicJob(
			async () => {
				calls++;
				if (calls === 1) throw new Error('database away');
			},
			{ intervalMs: 1000, logger, failure: 'reminders failed; retrying at the next run' }
		);
		await vi.advanceTimersByTimeAsync(0);
		expect(logger.error).toHaveBeenCalledWith(
			{ err: expect.objectContaining({ message: 'database away' }) },
			'reminders failed; retrying at the next run'
		);
		await vi.advanceTimersByTimeAsync(1000);
		expect(calls).toBe(2);
		expect(logger.error).toHaveBeenCalledTimes(1);
		await job.stop();
	});
});
