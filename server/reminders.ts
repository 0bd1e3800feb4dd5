import type { AppContext } from '../src/lib/server/app-context.ts';
import { sendDueReminders } from '../src/lib/server/convocation/service.ts';
import { sendCommitmentReminders } from '../src/lib/server/commitments/reminders.ts';

export interface ReminderScheduler {
	/** Stops the timer and waits for a run in progress (it needs the database still open). */
	stop(): Promise<void>;
}

/** Often enough that "the day before" is at most a few minutes late. */
export const defaultReminderIntervalMs = 5 * 60 * 1000;

/**
 * Sends the day-before reminders of meetings (src/lib/server/convocation/service.ts
 * `sendDueReminders`) and of commitments falling due (commitments/reminders.ts) now and then every
 * `intervalMs`, in this process. Several nodes may run it:
 * each meeting's reminder is claimed in the database before it is sent.
 */
export function startReminderScheduler(options: { context: AppContext; baseUrl: string; intervalMs?: number }): ReminderScheduler {
	const { context, baseUrl } = options;
	const { mailer } = context;
	let running: Promise<void> | null = null;
	const run = () => {
		if (running) return;
		running = sendDueReminders({ db: context.db, mailer, logger: context.logger, baseUrl, live: context.liveDocuments })
			// Commitments falling due (issue 15): their owners, TAVOLO_COMMITMENT_REMINDER_DAYS before.
			.then(() =>
				sendCommitmentReminders({ db: context.db, mailer, logger: context.logger, baseUrl, daysBefore: context.commitments.reminderDays })
			)
			.then(() => undefined)
			.catch((error: unknown) => context.logger.error({ err: error }, 'meeting reminders failed; retrying at the next run'))
			.finally(() => {
				running = null;
			});
	};
	const timer = setInterval(run, options.intervalMs ?? defaultReminderIntervalMs);
	timer.unref();
	run();
	return {
		async stop() {
			clearInterval(timer);
			await running;
		}
	};
}
