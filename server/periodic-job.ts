import type { Logger } from 'pino';

export interface PeriodicJob {
	/** Stops the timer and waits for a run in progress (it needs the database still open). */
	stop(): Promise<void>;
}

/**
 * Runs `task` now and then every `intervalMs`, in this process, never two runs at once (a run
 * still going when the timer fires is left to finish). A failed run is logged with `failure` and
 * the next one tries again. The timer does not keep the process alive.
 */
export function startPeriodicJob(
	task: () => Promise<unknown>,
	options: { intervalMs: number; logger: Pick<Logger, 'error'>; failure: string }
): PeriodicJob {
	let running: Promise<void> | null = null;
	const run = () => {
		if (running) return;
		running = task()
			.then(() => undefined)
			.catch((error: unknown) => options.logger.error({ err: error }, options.failure))
			.finally(() => {
				running = null;
			});
	};
	const timer = setInterval(run, options.intervalMs);
	timer.unref();
	run();
	return {
		async stop() {
			clearInterval(timer);
			await running;
		}
	};
}
