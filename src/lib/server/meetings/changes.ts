import { sql } from 'kysely';
import { z } from 'zod';
import { m } from '$lib/paraglide/messages.js';
import { formatMeetingTime, formatRomeDate, formatRomeTime } from '$lib/meetings/rome-time.ts';
import type { MeetingRow } from '../db/schema.ts';
import type { SendSummary } from '../../domain/convocation.ts';
import type { MeetingView } from '../../realtime/protocol.ts';
import { AppError } from '../errors.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { accessMeeting } from '../authz/access.ts';
import { recordAudit } from '../audit/service.ts';
import { fields, parseInput } from '../validation.ts';
import type { MeetingBroadcaster } from '../live/broadcaster.ts';
import { notifyConvened, type ConvocationDeps } from '../convocation/service.ts';
import { toMeeting, type Meeting } from './service.ts';
import { notify } from '../notifications/service.ts';

/** Changing or cancelling a meeting mails whoever was convened and tells the open pages. */
export type MeetingChangeDeps = Pick<ConvocationDeps, 'db' | 'mailer' | 'logger' | 'baseUrl' | 'notifications'> & {
	broadcaster: MeetingBroadcaster;
};

/** Rescheduling and cancelling, like scheduling, are the coordinators' work. */
const changeAction = 'meeting.create';

const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

export const meetingPatchInput = z.object({
	title: fields.title.optional(),
	startsAt: instant.optional(),
	endsAt: instant.optional(),
	/** null or '' removes the link. */
	videoUrl: z
		.string()
		.trim()
		.transform((v) => (v === '' ? null : v))
		.pipe(fields.url.nullable())
		.nullable()
		.optional()
});

export const cancelLimits = { reason: 1000 } as const;
export const meetingCancelInput = z.object({
	reason: z.string().trim().max(cancelLimits.reason).default('')
});

export interface MeetingChange {
	meeting: Meeting;
	/** The fields that changed (none: nothing was saved, nobody mailed). */
	changed: Array<'title' | 'startsAt' | 'endsAt' | 'videoUrl'>;
	/** The mails to whoever was convened. */
	notified: SendSummary;
}

export function meetingView(meeting: Meeting): MeetingView {
	return {
		id: meeting.id,
		tableId: meeting.tableId,
		title: meeting.title,
		startsAt: meeting.startsAt.toISOString(),
		endsAt: meeting.endsAt.toISOString(),
		videoUrl: meeting.videoUrl,
		status: meeting.status
	};
}

/** A closed meeting is history and a cancelled one was called off: neither changes again. */
function refuseFinished(meeting: MeetingRow): void {
	if (meeting.status === 'closed') throw new AppError('meeting_closed');
	if (meeting.status === 'cancelled') throw new AppError('meeting_cancelled');
}

function broadcast(deps: MeetingChangeDeps, meeting: Meeting): void {
	const payload = { meeting: meetingView(meeting) };
	deps.broadcaster.toMeeting(meeting.id, 'meeting:updated', payload);
	deps.broadcaster.toTable(meeting.tableId, 'meeting:updated', payload);
}

/**
 * Tells the table's members in the app. The e-mail is the change or cancellation mail with its
 * calendar update, sent above to whoever was convened (a meeting never convened mails nobody).
 */
async function notifyMembers(
	deps: MeetingChangeDeps,
	user: SessionUser,
	row: MeetingRow,
	kind: 'meeting_changed' | 'meeting_cancelled',
	reason?: string
): Promise<void> {
	await notify(deps.notifications, {
		kind,
		tableId: row.table_id,
		subjectId: row.id,
		actor: user,
		recipients: 'members',
		payload: { title: row.title, startsAt: new Date(row.starts_at).toISOString(), ...(reason ? { reason } : {}) },
		byMail: false
	});
}

const when = (row: Pick<MeetingRow, 'starts_at' | 'ends_at'>) => formatMeetingTime(new Date(row.starts_at), new Date(row.ends_at));

/** The short mail saying what changed, in the catalogue's language (Italian unless told otherwise). */
function changeMail(before: MeetingRow, after: MeetingRow, changed: MeetingChange['changed']) {
	const starts = new Date(after.starts_at);
	const lines: string[] = [m.meeting_change_intro({ title: before.title })];
	if (changed.includes('title')) lines.push(m.meeting_change_title({ title: after.title, before: before.title }));
	if (changed.includes('startsAt') || changed.includes('endsAt'))
		lines.push(m.meeting_change_when({ when: when(after), before: when(before) }));
	if (changed.includes('videoUrl'))
		lines.push(after.video_url ? m.meeting_change_video({ url: after.video_url }) : m.meeting_change_video_removed());
	lines.push('', m.meeting_change_calendar());
	return {
		method: 'REQUEST' as const,
		subject: m.meeting_change_subject({ title: after.title, date: formatRomeDate(starts), time: formatRomeTime(starts) }),
		text: lines.join('\n')
	};
}

/**
 * `PATCH /api/v1/meetings/:id {title?, startsAt?, endsAt?, videoUrl?}` (coordinators). The row is
 * locked while the new times are checked against each other, so two edits never leave an end
 * before the start. Each change raises the calendar SEQUENCE and, when the start moved, lets the
 * day-before reminder go out again for the new day; whoever was convened gets the updated
 * invitation and a short mail; the table's open pages and the room hear it.
 */
export async function updateMeeting(deps: MeetingChangeDeps, user: SessionUser, meetingId: string, input: unknown): Promise<MeetingChange> {
	await accessMeeting(deps.db, user, meetingId, changeAction);
	const patch = parseInput(meetingPatchInput, input);
	const result = await deps.db.transaction().execute(async (trx) => {
		const before = await trx.selectFrom('meetings').selectAll().where('id', '=', meetingId).forUpdate().executeTakeFirstOrThrow();
		refuseFinished(before);
		const next = {
			title: patch.title ?? before.title,
			starts_at: patch.startsAt ?? new Date(before.starts_at),
			ends_at: patch.endsAt ?? new Date(before.ends_at),
			video_url: patch.videoUrl === undefined ? before.video_url : patch.videoUrl
		};
		if (next.ends_at.getTime() <= next.starts_at.getTime()) {
			throw new AppError('validation_failed', { fields: { endsAt: 'ends_before_start' } });
		}
		const changed: MeetingChange['changed'] = [];
		if (next.title !== before.title) changed.push('title');
		if (next.starts_at.getTime() !== new Date(before.starts_at).getTime()) changed.push('startsAt');
		if (next.ends_at.getTime() !== new Date(before.ends_at).getTime()) changed.push('endsAt');
		if (next.video_url !== before.video_url) changed.push('videoUrl');
		if (changed.length === 0) return { before, after: before, changed };
		const after = await trx
			.updateTable('meetings')
			.set({ ...next, calendar_sequence: sql`calendar_sequence + 1` })
			.where('id', '=', meetingId)
			.returningAll()
			.executeTakeFirstOrThrow();
		if (changed.includes('startsAt')) {
			await trx.updateTable('convocations').set({ reminder_sent_at: null }).where('meeting_id', '=', meetingId).execute();
		}
		await recordAudit(trx, {
			tableId: before.table_id,
			actor: user,
			action: 'meeting.update',
			subjectId: meetingId,
			subjectLabel: after.title,
			details: {
				changed: changed.join(','),
				...(changed.includes('title') ? { titleBefore: before.title } : {}),
				...(changed.includes('startsAt')
					? { startsAtBefore: new Date(before.starts_at).toISOString(), startsAt: next.starts_at.toISOString() }
					: {}),
				...(changed.includes('endsAt') ? { endsAtBefore: new Date(before.ends_at).toISOString(), endsAt: next.ends_at.toISOString() } : {}),
				...(changed.includes('videoUrl') ? { videoUrl: next.video_url } : {}),
				sequence: after.calendar_sequence
			}
		});
		return { before, after, changed };
	});
	const meeting = toMeeting(result.after);
	if (result.changed.length === 0) return { meeting, changed: [], notified: emptySummary(deps) };
	broadcast(deps, meeting);
	const notified = await notifyConvened(deps, result.after, user, changeMail(result.before, result.after, result.changed));
	await notifyMembers(deps, user, result.after, 'meeting_changed');
	return { meeting, changed: result.changed, notified };
}

/**
 * `POST /api/v1/meetings/:id/cancel {reason?}` (coordinators): a planned meeting is called off.
 * It never goes live afterwards, no reminder goes out for it, and whoever was convened gets the
 * calendar cancellation (METHOD:CANCEL, the same UID, a higher SEQUENCE) with the reason.
 */
export async function cancelMeeting(deps: MeetingChangeDeps, user: SessionUser, meetingId: string, input: unknown): Promise<MeetingChange> {
	await accessMeeting(deps.db, user, meetingId, changeAction);
	const { reason } = parseInput(meetingCancelInput, input);
	const row = await deps.db.transaction().execute(async (trx) => {
		const before = await trx.selectFrom('meetings').selectAll().where('id', '=', meetingId).forUpdate().executeTakeFirstOrThrow();
		refuseFinished(before);
		// Under way, it is closed (with its minutes), not erased from the calendars.
		if (before.status === 'live') throw new AppError('meeting_live');
		const after = await trx
			.updateTable('meetings')
			.set({ status: 'cancelled', cancelled_at: sql`now()`, cancel_reason: reason || null, calendar_sequence: sql`calendar_sequence + 1` })
			.where('id', '=', meetingId)
			.returningAll()
			.executeTakeFirstOrThrow();
		await recordAudit(trx, {
			tableId: before.table_id,
			actor: user,
			action: 'meeting.cancel',
			subjectId: meetingId,
			subjectLabel: before.title,
			details: { reason, sequence: after.calendar_sequence }
		});
		return after;
	});
	const meeting = toMeeting(row);
	broadcast(deps, meeting);
	const starts = new Date(row.starts_at);
	const date = formatRomeDate(starts);
	const lines: string[] = [m.meeting_cancel_intro({ title: row.title, date, time: formatRomeTime(starts) })];
	if (reason) lines.push(m.meeting_cancel_reason({ reason }));
	lines.push('', m.meeting_cancel_calendar());
	const notified = await notifyConvened(deps, row, user, {
		method: 'CANCEL',
		subject: m.meeting_cancel_subject({ title: row.title, date }),
		text: lines.join('\n')
	});
	await notifyMembers(deps, user, row, 'meeting_cancelled', reason);
	return { meeting, changed: [], notified };
}

function emptySummary(deps: Pick<ConvocationDeps, 'mailer'>): SendSummary {
	return { transport: deps.mailer.transport, total: 0, sent: 0, failed: [] };
}
