import type { AppContext } from '../src/lib/server/app-context.ts';
import { sendNotificationDigests } from '../src/lib/server/notifications/service.ts';
import { startPeriodicJob, type PeriodicJob } from './periodic-job.ts';

/** Often enough that the digest goes out within minutes of its hour. */
export const defaultDigestIntervalMs = 5 * 60 * 1000;

/**
 * Sends the daily notification digests (src/lib/server/notifications/service.ts
 * `sendNotificationDigests`) now and then every `intervalMs`, in this process. Several nodes may
 * run it: each user's digest is claimed in the database before it is sent.
 */
export function startDigestScheduler(options: { context: AppContext; baseUrl: string; intervalMs?: number }): PeriodicJob {
	const { context, baseUrl } = options;
	return startPeriodicJob(
		() =>
			sendNotificationDigests(
				{ db: context.db, mailer: context.mailer, logger: context.logger, baseUrl },
				{ hour: context.notifications.digestHour }
			),
		{
			intervalMs: options.intervalMs ?? defaultDigestIntervalMs,
			logger: context.logger,
			failure: 'notification digests failed; retrying at the next run'
		}
	);
}
