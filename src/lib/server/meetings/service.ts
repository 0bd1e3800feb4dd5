import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { MeetingStatus } from '../../domain/meetings.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { authorizeOnTable } from '../authz/access.ts';
import { fields, parseInput } from '../validation.ts';
import { agendaDocName } from '../../realtime/doc-names.ts';
import { agendaTemplateItems, agendaUpdate, closingItem, type AgendaTemplate } from '../../agenda/agenda-doc.ts';
import { commitmentsReviewItem, markReviewed } from '../commitments/agenda.ts';

export interface Meeting {
	id: string;
	tableId: string;
	title: string;
	startsAt: Date;
	endsAt: Date;
	videoUrl: string | null;
	status: MeetingStatus;
	agendaDoc: string;
	/** Why it was cancelled (status `cancelled`), when the coordinator said. */
	cancelReason: string | null;
}

/** Instants are ISO 8601 with an offset (or Z); the UI converts from Europe/Rome before sending. */
const instant = z.iso.datetime({ offset: true }).transform((v) => new Date(v));

export const meetingInput = z
	.object({
		title: fields.title,
		startsAt: instant,
		endsAt: instant,
		template: z.enum(['first_meeting', 'standard', 'empty']).optional(),
		videoUrl: z
			.string()
			.trim()
			.transform((v) => (v === '' ? undefined : v))
			.pipe(fields.url.optional())
			.optional()
	})
	.refine((m) => m.endsAt.getTime() > m.startsAt.getTime(), {
		path: ['endsAt'],
		params: { problem: 'ends_before_start' },
		// Only compare when both instants parsed; otherwise their own messages stand.
		when: (payload) => payload.issues.length === 0
	});

export function toMeeting(row: {
	id: string;
	table_id: string;
	title: string;
	starts_at: Date;
	ends_at: Date;
	video_url: string | null;
	status: MeetingStatus;
	cancel_reason?: string | null;
}): Meeting {
	return {
		id: row.id,
		tableId: row.table_id,
		title: row.title,
		startsAt: new Date(row.starts_at),
		endsAt: new Date(row.ends_at),
		videoUrl: row.video_url,
		status: row.status,
		agendaDoc: agendaDocName(row.id),
		cancelReason: row.cancel_reason ?? null
	};
}

/**
 * Schedules a meeting and writes its agenda's first state into the Yjs log, in one transaction:
 * the table's first meeting starts from the convocation letter's four points, later ones from
 * the standard template, unless the caller picks one. A template agenda also checks the table's
 * open commitments ("Verifica degli impegni", before "Varie ed eventuali").
 */
export async function createMeeting(db: Db, user: SessionUser, tableId: string, input: unknown): Promise<Meeting> {
	await authorizeOnTable(db, user, tableId, 'meeting.create');
	const data = parseInput(meetingInput, input);
	return db.transaction().execute(async (trx) => {
		const earlier = await trx.selectFrom('meetings').select('id').where('table_id', '=', tableId).executeTakeFirst();
		const template: AgendaTemplate = data.template ?? (earlier ? 'standard' : 'first_meeting');
		const review = template === 'empty' ? null : await commitmentsReviewItem(trx, tableId);
		const items = agendaTemplateItems(template);
		const closing = items.findIndex((item) => item.title === closingItem.title);
		const agenda = review
			? closing >= 0
				? [...items.slice(0, closing), review.item, ...items.slice(closing)]
				: [...items, review.item]
			: items;
		const meeting = await insertMeeting(trx, { tableId, ...data, createdBy: user.id }, agendaUpdate(agenda));
		await markReviewed(trx, review, meeting.id);
		return meeting;
	});
}

/**
 * Inserts a meeting and its agenda's first state (one Yjs update) into the log; callers run it
 * inside their transaction, having checked who may.
 */
export async function insertMeeting(
	db: Db,
	values: { tableId: string; title: string; startsAt: Date; endsAt: Date; videoUrl?: string | null; createdBy: string },
	agenda: Uint8Array
): Promise<Meeting> {
	const row = await db
		.insertInto('meetings')
		.values({
			id: newId(),
			table_id: values.tableId,
			title: values.title,
			starts_at: values.startsAt,
			ends_at: values.endsAt,
			video_url: values.videoUrl ?? null,
			created_by: values.createdBy
		})
		.returningAll()
		.executeTakeFirstOrThrow();
	const meeting = toMeeting(row);
	await db.insertInto('yjs_updates').values({ doc_name: meeting.agendaDoc, update: agenda }).execute();
	return meeting;
}

export async function listMeetings(db: Db, user: SessionUser, tableId: string): Promise<Meeting[]> {
	await authorizeOnTable(db, user, tableId, 'meeting.view');
	const rows = await db.selectFrom('meetings').selectAll().where('table_id', '=', tableId).orderBy('starts_at').execute();
	return rows.map(toMeeting);
}

export async function getMeeting(db: Db, user: SessionUser, meetingId: string): Promise<Meeting> {
	const row = await db.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirst();
	if (!row) throw new AppError('not_found');
	await authorizeOnTable(db, user, row.table_id, 'meeting.view');
	return toMeeting(row);
}
