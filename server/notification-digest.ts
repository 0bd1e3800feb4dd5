import type { AppContext } from '../src/lib/server/app-context.ts';
import { sendNotificationDigests } from '../src/lib/server/notifications/service.ts';

export interface DigestScheduler {
	/** Stops the timer and waits for a run in progress (it needs the database still open). */
	stop(): Promise<void>;
}

/** Often enough that the digest goes out within minutes of its hour. */
export const defaultDigestIntervalMs = 5 * 60 * 1000;

/**
 * Sends the daily notification digests (src/lib/server/notifications/service.ts
 * `sendNotificationDigests`) now and then every `intervalMs`, in this process. Several nodes may
 * run it: each user's digest is claimed in the database before it is sent.
 */
export function startDigestScheduler(options: { context: AppContext; baseUrl: string; intervalMs?: number }): DigestScheduler {
	const { context, baseUrl } = options;
	let running: Promise<void> | null = null;
	const run = () => {
		if (running) return;
		running = sendNotificationDigests(
			{ db: context.db, mailer: context.mailer, logger: context.logger, baseUrl },
			{ hour: context.notifications.digestHour }
		)
			.then(() => undefined)
			.catch((error: unknown) => context.logger.error({ err: error }, 'notification digests failed; retrying at the next run'))
			.finally(() => {
				running = null;
			});
	};
	const timer = setInterval(run, options.intervalMs ?? defaultDigestIntervalMs);
	timer.unref();
	run();
	return {
		async stop() {
			clearInterval(timer);
			await running;
		}
	};
}
