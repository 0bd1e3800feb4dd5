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
import { findFocusIntervals } from '../live/focus-history.ts';
import { entitled, presentDuring } from '../live/presence-during.ts';
import { findTableHeading } from '../tables/queries.ts';
import { computeResults } from '../polls/service.ts';
import { listCategories } from '../programmes/service.ts';
import { recordAudit } from '../audit/service.ts';
import { loadDocumentState, asBytea } from '../documents/yjs-state.ts';
import { readAgendaEntries } from '../../agenda/agenda-doc.ts';
import { draftExtensions, draftField } from '../../documents/extensions.ts';
import { agendaDocName, documentDocName } from '../../realtime/doc-names.ts';
import { minutesContent, minutesTitle, type MinutesCommitment, type MinutesFacts } from './content.ts';
import { findMeetingCommitments, type Commitment } from '../commitments/service.ts';
import { ownerLabel } from '../../domain/commitments.ts';
import { attachmentsOfMeeting } from '../attachments/service.ts';
import { findAmendmentsVotedIn } from '../amendments/queries.ts';

export interface MinutesDeps {
	db: Db;
	logger: Pick<Logger, 'error' | 'warn'>;
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
	if (facts.agendaInvalid > 0)
		deps.logger.warn({ meetingId: meeting.id, invalid: facts.agendaInvalid }, 'agenda entries left out of the minutes');
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
	const [categories, expected, stays, focus, polls, agendaState, commitments, amendments] = await Promise.all([
		listCategories(db, table.programme_id),
		db.selectFrom('table_expected_categories').select('category_id').where('table_id', '=', meeting.table_id).execute(),
		findStays(db, meeting),
		findFocusIntervals(db, meeting),
		db.selectFrom('polls').selectAll().where('meeting_id', '=', meeting.id).where('status', '=', 'closed').orderBy('created_at').execute(),
		loadDocumentState(db, agendaDocName(meeting.id)),
		findMeetingCommitments(db, meeting.id),
		findAmendmentsVotedIn(db, meeting.id)
	]);
	// The documents whose text an approval poll of this meeting put to the vote, by id.
	const approvedIds = [...new Set(polls.flatMap((poll) => (poll.approval_document_id ? [poll.approval_document_id] : [])))];
	const approvedDocuments = new Map(
		approvedIds.length === 0
			? []
			: (await db.selectFrom('documents').select(['id', 'title']).where('id', 'in', approvedIds).execute()).map((d) => [d.id, d.title])
	);
	const forMinutes = (commitment: Commitment): MinutesCommitment => ({
		title: commitment.title,
		owner: ownerLabel(commitment.owner),
		dueOn: commitment.dueOn,
		status: commitment.status,
		note: commitment.note
	});

	const agendaDoc = new Y.Doc();
	Y.applyUpdate(agendaDoc, agendaState);
	const { items: agenda, invalid } = readAgendaEntries(agendaDoc);
	agendaDoc.destroy();

	const closedAt = meeting.closed_at ? new Date(meeting.closed_at).toISOString() : null;
	const attendees = new Map<string, MinutesFacts['attendees'][number]>();
	for (const stay of stays) {
		// A member once, however they took part; each guest the moderator checked in on their own.
		const key = stay.userId ?? `check-in:${stay.checkInId}`;
		const person = attendees.get(key) ?? {
			name: stay.name,
			categoryId: stay.categoryId,
			representedBody: stay.representedBody,
			stays: []
		};
		// A stay ended by the close (findStays clips it there) reads "until the close".
		const leftAt = stay.leftAt && stay.leftAt !== closedAt ? new Date(stay.leftAt) : null;
		person.stays.push({ joinedAt: new Date(stay.joinedAt), leftAt, mode: stay.mode });
		attendees.set(key, person);
	}

	// Who was present for each agenda item: while it was in focus (items never in focus are absent).
	const agendaPresence: NonNullable<MinutesFacts['agendaPresence']> = {};
	for (const item of agenda) {
		const intervals = focus.filter((interval) => interval.itemId === item.id);
		if (intervals.length > 0) agendaPresence[item.id] = presentDuring(stays, intervals);
	}

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
		agendaInvalid: invalid.length,
		agendaPresence,
		commitments: { recorded: commitments.recorded.map(forMinutes), reviewed: commitments.reviewed.map(forMinutes) },
		amendments: await Promise.all(
			amendments.map(async (amendment) => {
				const poll = polls.find((candidate) => candidate.id === amendment.poll_id);
				const outcome = poll ? (await computeResults(db, poll)).outcome : undefined;
				return {
					documentTitle: amendment.document_title,
					number: amendment.number,
					quote: amendment.quote,
					replacement: amendment.replacement,
					status: amendment.status,
					proposerName: amendment.proposer_name,
					yes: outcome?.yes ?? 0,
					no: outcome?.no ?? 0,
					abstain: outcome?.abstain ?? 0
				};
			})
		),
		attachments: (await attachmentsOfMeeting(db, meeting.table_id, meeting.id)).map((file) => ({
			id: file.id,
			title: file.title,
			filename: file.filename,
			size: file.size,
			agendaItemId: file.agendaItemId
		})),
		polls: await Promise.all(
			polls.map(async (poll) => {
				const closedAt = poll.closed_at ? new Date(poll.closed_at) : new Date();
				const openedAt = poll.opened_at ? new Date(poll.opened_at) : closedAt;
				const present = presentDuring(stays, [{ from: openedAt, to: closedAt }]);
				return {
					id: poll.id,
					question: poll.question,
					results: await computeResults(db, poll),
					tieChoice: poll.tie_choice,
					present: entitled(present).length,
					attendees: present,
					...(poll.approval_document_id && poll.approval_version_number !== null
						? {
								approval: {
									documentTitle: approvedDocuments.get(poll.approval_document_id) ?? '',
									versionNumber: poll.approval_version_number,
									contentSha256: poll.approval_content_sha256 ?? ''
								}
							}
						: {})
				};
			})
		)
	};
}
