import { sql } from 'kysely';
import type { Logger } from 'pino';
import { m } from '$lib/paraglide/messages.js';
import type { Db } from '../db/connect.ts';
import type { Mailer } from '../mail/mailer.ts';
import { recordAudit } from '../audit/service.ts';
import { addDays, dayInstant, pendingCommitmentStatuses } from '../../domain/commitments.ts';
import { formatRomeDate } from '../../meetings/rome-time.ts';
import { romeToday } from './service.ts';

export interface CommitmentReminderDeps {
	db: Db;
	mailer: Mailer;
	logger: Pick<Logger, 'info' | 'warn'>;
	/** The public URL: the mail links the table page. */
	baseUrl: string;
	/** TAVOLO_COMMITMENT_REMINDER_DAYS: how many days before the due date. */
	daysBefore: number;
}

/**
 * Mails the owner of each pending commitment falling due within `daysBefore` days (Europe/Rome
 * days), once: the commitment is claimed (reminder_sent_at) before its mails go out, so two nodes
 * or two runs never remind twice. The owner is the member named, or, for a body, the members who
 * represent it. Called by the reminder scheduler (server/reminders.ts) and by tests.
 * Returns the commitments reminded.
 */
export async function sendCommitmentReminders(deps: CommitmentReminderDeps, now = new Date()): Promise<string[]> {
	const { db } = deps;
	const today = romeToday(now);
	const due = await db
		.selectFrom('commitments')
		.innerJoin('tables', 'tables.id', 'commitments.table_id')
		.select([
			'commitments.id',
			'commitments.table_id',
			'commitments.title',
			'commitments.due_on',
			'commitments.owner_user_id',
			'commitments.owner_body',
			'tables.name as table_name'
		])
		.where('commitments.status', 'in', pendingCommitmentStatuses)
		.where('commitments.reminder_sent_at', 'is', null)
		.where('commitments.due_on', '>=', today)
		.where('commitments.due_on', '<=', addDays(today, deps.daysBefore))
		.orderBy('commitments.due_on')
		.execute();
	const reminded: string[] = [];
	for (const commitment of due) {
		const claimed = await db
			.updateTable('commitments')
			.set({ reminder_sent_at: sql`now()` })
			.where('id', '=', commitment.id)
			.where('reminder_sent_at', 'is', null)
			.returning('id')
			.executeTakeFirst();
		if (!claimed) continue;
		let owners = db
			.selectFrom('memberships')
			.innerJoin('users', 'users.id', 'memberships.user_id')
			.select(['users.name', 'users.email'])
			.where('memberships.table_id', '=', commitment.table_id);
		owners = commitment.owner_user_id
			? owners.where('memberships.user_id', '=', commitment.owner_user_id)
			: owners.where(sql<boolean>`lower(trim(memberships.represented_body)) = lower(trim(${commitment.owner_body ?? ''}))`);
		const recipients = await owners.execute();
		const date = formatRomeDate(dayInstant(commitment.due_on));
		const url = `${deps.baseUrl.replace(/\/$/, '')}/tables/${commitment.table_id}`;
		let sent = 0;
		for (const recipient of recipients) {
			try {
				await deps.mailer.send({
					to: { name: recipient.name, email: recipient.email },
					subject: m.appr_commitment_reminder_subject({ title: commitment.title, date }),
					text: `${m.appr_commitment_reminder_text({ name: recipient.name, title: commitment.title, date, table: commitment.table_name })}\n\n${m.appr_commitment_reminder_link({ url })}\n`
				});
				sent++;
			} catch (error) {
				// One refused address does not stop the others; the claim stays (no second round of mails).
				deps.logger.warn({ err: error, commitmentId: commitment.id }, 'a commitment reminder could not be sent');
			}
		}
		await recordAudit(db, {
			tableId: commitment.table_id,
			actor: null,
			action: 'commitment.reminder',
			subjectId: commitment.id,
			subjectLabel: commitment.title,
			details: { sent, total: recipients.length }
		});
		deps.logger.info({ commitmentId: commitment.id, sent, total: recipients.length }, 'commitment reminder sent');
		reminded.push(commitment.id);
	}
	return reminded;
}
