import { sql } from 'kysely';
import { z } from 'zod';
import type { SessionUser } from '../auth/sessions.ts';
import { accessMeeting } from '../authz/access.ts';
import { findTablePdf } from '../attachments/service.ts';
import { refuseIfClosed } from '../meetings/status-guard.ts';
import { AppError } from '../errors.ts';
import { fields, parseInput } from '../validation.ts';
import { broadcastState } from './service.ts';
import type { LiveDeps } from './deps.ts';

/** Far past any real PDF shown in a meeting; the browser clamps to the file's own page count. */
export const maxFocusPage = 10_000;

/**
 * `attachment:focus`: a PDF of the meeting's table in focus for everyone (or none), from its
 * first page. Only those who run the meeting, while it is not closed; it takes the place of a
 * document in focus (one thing is shown to the room at a time).
 */
export async function setFocusAttachment(deps: LiveDeps, user: SessionUser, meetingId: string, input: unknown): Promise<void> {
	const { attachmentId } = parseInput(z.object({ attachmentId: fields.id.nullable() }), input);
	const { meeting } = await accessMeeting(deps.db, user, meetingId, 'meeting.run');
	refuseIfClosed(meeting);
	if (attachmentId !== null) await findTablePdf(deps.db, meeting.table_id, attachmentId);
	const focus = { focus_attachment_id: attachmentId, focus_attachment_page: 1 };
	await deps.db
		.insertInto('meeting_live')
		.values({ meeting_id: meetingId, focus_item_id: null, ...focus })
		.onConflict((oc) =>
			oc.column('meeting_id').doUpdateSet({ ...focus, ...(attachmentId ? { focus_document_id: null } : {}), updated_at: sql`now()` })
		)
		.execute();
	broadcastState(deps, meetingId);
}

/**
 * `attachment:page`: the page of the PDF in focus the room sees. The server keeps it, so a late
 * joiner or a reload lands on it; only those who run the meeting turn it.
 */
export async function setFocusAttachmentPage(deps: LiveDeps, user: SessionUser, meetingId: string, input: unknown): Promise<void> {
	const { page } = parseInput(z.object({ page: z.number().int().min(1).max(maxFocusPage) }), input);
	const { meeting } = await accessMeeting(deps.db, user, meetingId, 'meeting.run');
	refuseIfClosed(meeting);
	const updated = await deps.db
		.updateTable('meeting_live')
		.set({ focus_attachment_page: page, updated_at: sql`now()` })
		.where('meeting_id', '=', meetingId)
		.where('focus_attachment_id', 'is not', null)
		.executeTakeFirst();
	if (Number(updated.numUpdatedRows) === 0) throw new AppError('not_found');
	broadcastState(deps, meetingId);
}
