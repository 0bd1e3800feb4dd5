import * as Y from 'yjs';
import { getSchema } from '@tiptap/core';
import { prosemirrorJSONToYDoc } from '@tiptap/y-tiptap';
import type { Logger } from 'pino';
import type { Db } from '../db/connect.ts';
import type { MeetingRow } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import type { LiveDocuments } from '../live-documents.ts';
import { accessMeeting } from '../authz/access.ts';
import { findStays } from '../live/attendance.ts';
import { findTableHeading } from '../tables/queries.ts';
import { computeResults } from '../polls/service.ts';
import { listCategories } from '../programmes/service.ts';
import { recordAudit } from '../audit/service.ts';
import { loadDocumentState, asBytea } from '../documents/yjs-state.ts';
import { readAgenda } from '../../agenda/agenda-doc.ts';
import { draftExtensions, draftField } from '../../documents/extensions.ts';
import { agendaDocName, documentDocName } from '../../realtime/doc-names.ts';
import { minutesContent, minutesTitle, type MinutesFacts } from './content.ts';

export interface MinutesDeps {
	db: Db;
	logger: Pick<Logger, 'error'>;
	/** The /yjs endpoint, whose memory may hold agenda notes typed a moment ago. */
	live?: LiveDocuments;
}

export interface MeetingMinutes {
	documentId: string;
	docName: string;
}

const schema = getSchema(draftExtensions());

export async function findMinutes(db: Db, meetingId: string): Promise<MeetingMinutes | null> {
	const row = await db.selectFrom('meeting_minutes').select('document_id').where('meeting_id', '=', meetingId).executeTakeFirst();
	return row ? { documentId: row.document_id, docName: documentDocName(row.document_id) } : null;
}

/** `GET /api/v1/meetings/:id/minutes`: any member may find the minutes of a meeting. */
export async function getMinutes(db: Db, user: SessionUser, meetingId: string): Promise<MeetingMinutes> {
	await accessMeeting(db, user, meetingId);
	const minutes = await findMinutes(db, meetingId);
	if (!minutes) throw new AppError('not_found');
	return minutes;
}

/**
 * `POST /api/v1/meetings/:id/minutes`: drafts the minutes of a closed meeting if it has none (a
 * meeting closed before minutes existed, or whose drafting failed at close). Facilitators only.
 */
export async function ensureMinutes(deps: MinutesDeps, user: SessionUser, meetingId: string): Promise<MeetingMinutes> {
	const { meeting } = await accessMeeting(deps.db, user, meetingId, 'meeting.run');
	if (meeting.status !== 'closed') throw new AppError('meeting_invalid_transition');
	return draftMinutes(deps, user, meeting);
}

/**
 * Called by the live service right after a meeting closes. Closing must not fail because the
 * minutes could not be drafted: the failure is logged and `POST …/minutes` drafts them later.
 */
export async function draftMinutesOnClose(deps: MinutesDeps, user: SessionUser, meetingId: string): Promise<void> {
	try {
		const meeting = await deps.db.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirstOrThrow();
		await draftMinutes(deps, user, meeting);
	} catch (error) {
		deps.logger.error({ err: error, meetingId }, 'could not draft the minutes of a closed meeting');
	}
}

/**
 * Gathers the meeting's facts and writes a new 'minutes' document whose draft already holds
 * them, in one transaction with the meeting → minutes link. Idempotent: the meeting row is
 * locked and the link checked first, so closing twice (or on two nodes) yields one document.
 */
async function draftMinutes(deps: MinutesDeps, user: SessionUser, meeting: MeetingRow): Promise<MeetingMinutes> {
	const existing = await findMinutes(deps.db, meeting.id);
	if (existing) return existing;
	await deps.live?.flush();
	const facts = await gatherFacts(deps.db, meeting);
	const ydoc = prosemirrorJSONToYDoc(schema, minutesContent(facts), draftField);
	const state = Y.encodeStateAsUpdate(ydoc);
	ydoc.destroy();
	const title = minutesTitle(meeting.title).slice(0, 200);

	return deps.db.transaction().execute(async (trx) => {
		await trx.selectFrom('meetings').select('id').where('id', '=', meeting.id).forUpdate().execute();
		const raced = await findMinutes(trx, meeting.id);
		if (raced) return raced;
		const documentId = newId();
		await trx
			.insertInto('documents')
			.values({ id: documentId, table_id: meeting.table_id, kind: 'minutes', title, created_by: user.id })
			.execute();
		await trx
			.insertInto('yjs_updates')
			.values({ doc_name: documentDocName(documentId), update: asBytea(state) })
			.execute();
		await trx.insertInto('meeting_minutes').values({ meeting_id: meeting.id, document_id: documentId }).execute();
		await recordAudit(trx, {
			tableId: meeting.table_id,
			actor: user,
			action: 'minutes.create',
			subjectId: documentId,
			subjectLabel: title,
			details: { meeting: meeting.title }
		});
		return { documentId, docName: documentDocName(documentId) };
	});
}

async function gatherFacts(db: Db, meeting: MeetingRow): Promise<MinutesFacts> {
	const table = await findTableHeading(db, meeting.table_id);
	const [categories, expected, stays, polls, agendaState] = await Promise.all([
		listCategories(db, table.programme_id),
		db.selectFrom('table_expected_categories').select('category_id').where('table_id', '=', meeting.table_id).execute(),
		findStays(db, meeting),
		db.selectFrom('polls').selectAll().where('meeting_id', '=', meeting.id).where('status', '=', 'closed').orderBy('created_at').execute(),
		loadDocumentState(db, agendaDocName(meeting.id))
	]);

	const agendaDoc = new Y.Doc();
	Y.applyUpdate(agendaDoc, agendaState);
	const agenda = readAgenda(agendaDoc);
	agendaDoc.destroy();

	const attendees = new Map<string, MinutesFacts['attendees'][number] & { role: string | null }>();
	for (const stay of stays) {
		const person = attendees.get(stay.userId) ?? {
			name: stay.name,
			role: stay.role,
			categoryId: stay.categoryId,
			representedBody: stay.representedBody,
			stays: []
		};
		person.stays.push({ joinedAt: new Date(stay.joinedAt), leftAt: stay.leftAt ? new Date(stay.leftAt) : null });
		attendees.set(stay.userId, person);
	}

	/** Voting members whose stay in the room overlapped the poll's open period. */
	const presentDuring = (openedAt: Date, closedAt: Date) =>
		new Set(
			stays
				.filter((s) => s.role && s.role !== 'observer')
				.filter((s) => new Date(s.joinedAt) <= closedAt && (!s.leftAt || new Date(s.leftAt) >= openedAt))
				.map((s) => s.userId)
		).size;

	return {
		meeting: {
			title: meeting.title,
			startsAt: new Date(meeting.starts_at),
			endsAt: new Date(meeting.ends_at),
			videoUrl: meeting.video_url
		},
		table: { name: table.name, territory: table.territory, programme: table.programme, organization: table.organization },
		categories,
		expectedCategoryIds: expected.map((e) => e.category_id),
		attendees: [...attendees.values()],
		agenda,
		polls: await Promise.all(
			polls.map(async (poll) => {
				const closedAt = poll.closed_at ? new Date(poll.closed_at) : new Date();
				const openedAt = poll.opened_at ? new Date(poll.opened_at) : closedAt;
				return { question: poll.question, results: await computeResults(db, poll), present: presentDuring(openedAt, closedAt) };
			})
		)
	};
}
