import type { AppContext } from '../src/lib/server/app-context.ts';
import { sendDueReminders } from '../src/lib/server/convocation/service.ts';
import { sendCommitmentReminders } from '../src/lib/server/commitments/reminders.ts';
import { startPeriodicJob, type PeriodicJob } from './periodic-job.ts';

/** Often enough that "the day before" is at most a few minutes late. */
export const defaultReminderIntervalMs = 5 * 60 * 1000;

/**
 * Sends the day-before reminders of meetings (src/lib/server/convocation/service.ts
 * `sendDueReminders`) and of commitments falling due (commitments/reminders.ts) now and then every
 * `intervalMs`, in this process. Several nodes may run it:
 * each meeting's reminder is claimed in the database before it is sent.
 */
export function startReminderScheduler(options: { context: AppContext; baseUrl: string; intervalMs?: number }): PeriodicJob {
	const { context, baseUrl } = options;
	const { mailer } = context;
	return startPeriodicJob(
		async () => {
			await sendDueReminders({ db: context.db, mailer, logger: context.logger, baseUrl, live: context.liveDocuments });
			// Commitments falling due (issue 15): their owners, TAVOLO_COMMITMENT_REMINDER_DAYS before.
			await sendCommitmentReminders({
				db: context.db,
				mailer,
				logger: context.logger,
				baseUrl,
				daysBefore: context.commitments.reminderDays
			});
		},
		{
			intervalMs: options.intervalMs ?? defaultReminderIntervalMs,
			logger: context.logger,
			failure: 'meeting reminders failed; retrying at the next run'
		}
	);
}
