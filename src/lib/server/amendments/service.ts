import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { AmendmentRow } from '../db/schema.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { can } from '../authz/policy.ts';
import { accessMeeting, actorOnTable } from '../authz/access.ts';
import { refuseIfClosed } from '../meetings/status-guard.ts';
import { fields, parseInput } from '../validation.ts';
import { recordAudit } from '../audit/service.ts';
import type { LiveDeps } from '../live/deps.ts';
import type { LiveDocuments } from '../live-documents.ts';
import { encodedPosition } from '../comments/service.ts';
import { getDocument, type TableDocument } from '../documents/service.ts';
import { computeResults, createPoll, pollLimits } from '../polls/service.ts';
import { checkPassage, type PassageCheck } from '../../amendments/passage.ts';
import { amendmentLimits, withdrawableAmendmentStatuses } from '../../domain/amendments.ts';
import { majorityRules } from '../../domain/polls.ts';
import type { AmendmentPollView, AmendmentView, DocumentAmendmentsView } from '../../amendments/types.ts';
import type { PollView } from '../../realtime/protocol.ts';
import { findAmendmentById, findAmendmentPolls, findAmendmentsOfDocument, insertAmendment, updateAmendmentStatus } from './queries.ts';

/**
 * Issue 15, item 4: amendments. A member who may edit the draft proposes to replace a passage
 * (anchored like a comment); a moderator or coordinator puts it to a yes/no vote in a meeting of the
 * table (a poll bound to it, as an approval poll is bound to a version); when that poll closes,
 * settle.ts applies or rejects it. The server checks the quote against the live text.
 */

export const amendmentInput = z.object({
	anchor: z.object({
		from: encodedPosition,
		to: encodedPosition,
		quote: z.string().trim().min(1).max(amendmentLimits.quote)
	}),
	// Empty: the passage is deleted (an amendment "soppressivo").
	replacement: z.string().trim().max(amendmentLimits.replacement),
	reason: z.string().trim().max(amendmentLimits.reason).default('')
});

export const amendmentPollInput = z.object({
	meetingId: fields.id,
	majority: z.enum(majorityRules).optional(),
	quorum: z.number().int().min(1).max(pollLimits.quorum).optional()
});

/** Reads the passage in the live text (the /yjs endpoint's memory, not only what is committed). */
function readPassage(
	live: LiveDocuments,
	document: TableDocument,
	amendment: Pick<AmendmentRow, 'anchor_from' | 'anchor_to' | 'quote' | 'replacement'>
): Promise<PassageCheck> {
	return live.transact(document.docName, { kind: 'amendment-check', documentId: document.id }, (doc) =>
		checkPassage(doc, { from: amendment.anchor_from, to: amendment.anchor_to }, amendment.quote, amendment.replacement)
	);
}

/** Who may propose: as for comments, the people who edit the draft, and nobody on a final document. */
async function proposingStatus(db: Db, user: SessionUser, document: TableDocument): Promise<DocumentAmendmentsView['readOnlyReason']> {
	const actor = await actorOnTable(db, user, document.tableId);
	if (!can(actor, 'document.edit')) return 'observer';
	if (document.status === 'final') return 'final';
	return null;
}

function toPollView(
	poll: Awaited<ReturnType<typeof findAmendmentPolls>>[number],
	outcome: AmendmentPollView['outcome']
): AmendmentPollView {
	return { id: poll.id, meetingId: poll.meeting_id, meetingTitle: poll.meeting_title, status: poll.status, outcome };
}

async function toViews(db: Db, rows: AmendmentRow[]): Promise<AmendmentView[]> {
	const polls = await findAmendmentPolls(
		db,
		rows.map((row) => row.id)
	);
	const latest = new Map(polls.map((poll) => [poll.amendment_id!, poll]));
	return Promise.all(
		rows.map(async (row) => {
			const poll = latest.get(row.id);
			let outcome: AmendmentPollView['outcome'] = null;
			if (poll?.status === 'closed') {
				const counts = (await computeResults(db, poll)).outcome;
				if (counts) outcome = { yes: counts.yes, no: counts.no, abstain: counts.abstain, passed: counts.passed };
			}
			return {
				id: row.id,
				documentId: row.document_id,
				number: row.number,
				status: row.status,
				anchor: { from: row.anchor_from, to: row.anchor_to, quote: row.quote },
				replacement: row.replacement,
				reason: row.reason,
				proposer: { id: row.proposer_id, name: row.proposer_name },
				createdAt: new Date(row.created_at).toISOString(),
				decidedAt: row.decided_at ? new Date(row.decided_at).toISOString() : null,
				poll: poll ? toPollView(poll, outcome) : null
			};
		})
	);
}

async function viewOf(db: Db, row: AmendmentRow): Promise<AmendmentView> {
	return (await toViews(db, [row]))[0];
}

/** `GET /api/v1/documents/:id/amendments`: every amendment, oldest first; every member reads them. */
export async function listAmendments(db: Db, user: SessionUser, documentId: string): Promise<DocumentAmendmentsView> {
	const document = await getDocument(db, user, documentId);
	const [rows, reason, actor] = await Promise.all([
		findAmendmentsOfDocument(db, documentId),
		proposingStatus(db, user, document),
		actorOnTable(db, user, document.tableId)
	]);
	return {
		amendments: await toViews(db, rows),
		canPropose: reason === null,
		canManage: can(actor, 'poll.manage') && document.status !== 'final',
		readOnlyReason: reason
	};
}

/**
 * `POST /api/v1/documents/:id/amendments {anchor: {from, to, quote}, replacement, reason?}`: refused
 * (409 `amendment_quote_mismatch`, with the text there now) unless the live text at the anchor is
 * the quote, and (400) when the replacement equals it or cannot fit there.
 */
export async function proposeAmendment(
	deps: Pick<LiveDeps, 'db' | 'liveDocuments'>,
	user: SessionUser,
	documentId: string,
	input: unknown
): Promise<AmendmentView> {
	const { db } = deps;
	const document = await getDocument(db, user, documentId);
	const reason = await proposingStatus(db, user, document);
	if (reason === 'observer') throw new AppError('forbidden');
	if (reason === 'final') throw new AppError('document_final');
	const data = parseInput(amendmentInput, input);
	if (data.replacement === data.anchor.quote) throw new AppError('validation_failed', { fields: { replacement: 'invalid_choice' } });
	const proposal = { anchor_from: data.anchor.from, anchor_to: data.anchor.to, quote: data.anchor.quote, replacement: data.replacement };
	const check = await readPassage(deps.liveDocuments, document, proposal);
	if (!check.ok && check.reason === 'unfit') throw new AppError('validation_failed', { fields: { replacement: 'invalid_choice' } });
	if (!check.ok) throw new AppError('amendment_quote_mismatch', { extra: { currentText: check.text } });
	const row = await db.transaction().execute(async (trx) => {
		const inserted = await insertAmendment(trx, {
			id: newId(),
			document_id: document.id,
			proposer_id: user.id,
			proposer_name: user.name,
			...proposal,
			reason: data.reason
		});
		await recordAudit(trx, {
			tableId: document.tableId,
			actor: user,
			action: 'amendment.propose',
			subjectId: document.id,
			subjectLabel: document.title,
			details: { amendmentId: inserted.id, number: inserted.number }
		});
		return inserted;
	});
	return viewOf(db, row);
}

/**
 * An amendment "in votazione" whose poll was never opened and can no longer be (its meeting closed
 * or was cancelled) is proposed again, so it can go to another meeting's vote or be withdrawn.
 */
async function releaseStaleVote(db: Db, amendment: AmendmentRow): Promise<AmendmentRow> {
	if (amendment.status !== 'voting') return amendment;
	const polls = await findAmendmentPolls(db, [amendment.id]);
	const latest = polls.at(-1);
	if (!latest || latest.status !== 'draft') return amendment;
	const meeting = await db.selectFrom('meetings').select('status').where('id', '=', latest.meeting_id).executeTakeFirstOrThrow();
	if (meeting.status !== 'closed' && meeting.status !== 'cancelled') return amendment;
	return (await updateAmendmentStatus(db, amendment.id, ['voting'], 'proposed')) ?? amendment;
}

/** The amendment and its document, as the caller may see them (404 unknown, 403 not a member). */
async function accessAmendment(
	db: Db,
	user: SessionUser,
	amendmentId: string
): Promise<{ amendment: AmendmentRow; document: TableDocument }> {
	const amendment = await findAmendmentById(db, amendmentId);
	if (!amendment) throw new AppError('not_found');
	return { amendment, document: await getDocument(db, user, amendment.document_id) };
}

/** The poll's wording is data, in the table's language (Italian), like an approval poll's. */
function pollQuestion(document: TableDocument, amendment: AmendmentRow): string {
	const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
	const quote = cut(amendment.quote, 150);
	const change = amendment.replacement ? `sostituire «${quote}» con «${cut(amendment.replacement, 150)}»` : `sopprimere «${quote}»`;
	return cut(`Emendamento n. ${amendment.number} a «${cut(document.title, 80)}»: ${change}`, pollLimits.question);
}

/**
 * `POST /api/v1/amendments/:id/poll {meetingId}` (moderators, coordinators): a yes/no poll in that
 * meeting of the table, a draft in its room like any other, bound to the amendment. Only a proposed
 * amendment goes to the vote (409 `amendment_decided` otherwise); one whose passage changed since it
 * was proposed is marked superseded instead (409 `amendment_superseded`). Several amendments are put
 * to the vote one after the other: their polls queue in the room in that order.
 */
export async function openAmendmentPoll(deps: LiveDeps, user: SessionUser, amendmentId: string, input: unknown): Promise<PollView> {
	const { amendment: found, document } = await accessAmendment(deps.db, user, amendmentId);
	const data = parseInput(amendmentPollInput, input);
	const meeting = await deps.db.selectFrom('meetings').select('table_id').where('id', '=', data.meetingId).executeTakeFirst();
	// A meeting of another table is not this document's room: refused as an unknown meeting.
	if (!meeting || meeting.table_id !== document.tableId)
		throw new AppError('validation_failed', { fields: { meetingId: 'invalid_choice' } });
	const room = await accessMeeting(deps.db, user, data.meetingId, 'poll.manage');
	refuseIfClosed(room.meeting);
	const amendment = await releaseStaleVote(deps.db, found);
	if (amendment.status !== 'proposed') throw new AppError('amendment_decided', { extra: { status: amendment.status } });
	if (document.status === 'final') throw new AppError('document_final');

	const check = await readPassage(deps.liveDocuments, document, amendment);
	if (!check.ok) {
		const superseded = await updateAmendmentStatus(deps.db, amendment.id, ['proposed'], 'superseded', user.id);
		if (!superseded) throw new AppError('amendment_decided');
		throw new AppError('amendment_superseded', { extra: { currentText: check.text } });
	}
	// Claimed first, so two moderators cannot put the same amendment to two votes.
	if (!(await updateAmendmentStatus(deps.db, amendment.id, ['proposed'], 'voting'))) throw new AppError('amendment_decided');
	let poll: PollView;
	try {
		poll = await createPoll(
			deps,
			user,
			data.meetingId,
			{
				question: pollQuestion(document, amendment),
				kind: 'yesno',
				anonymous: false,
				resultsVisible: 'live',
				majority: data.majority,
				quorum: data.quorum
			},
			{ amendmentId: amendment.id }
		);
	} catch (error) {
		await updateAmendmentStatus(deps.db, amendment.id, ['voting'], 'proposed');
		throw error;
	}
	await recordAudit(deps.db, {
		tableId: document.tableId,
		actor: user,
		action: 'amendment.poll',
		subjectId: document.id,
		subjectLabel: document.title,
		details: { amendmentId: amendment.id, number: amendment.number, pollId: poll.id, meetingId: data.meetingId }
	});
	return poll;
}

/**
 * `POST /api/v1/amendments/:id/withdraw`: its proposer (while they may still edit the draft) or a
 * moderator or coordinator withdraws an amendment not yet put to the vote, or superseded. Kept on record.
 */
export async function withdrawAmendment(db: Db, user: SessionUser, amendmentId: string): Promise<AmendmentView> {
	const { amendment: found, document } = await accessAmendment(db, user, amendmentId);
	const actor = await actorOnTable(db, user, document.tableId);
	const own = found.proposer_id === user.id && can(actor, 'document.edit');
	if (!own && !can(actor, 'poll.manage')) throw new AppError('forbidden');
	const amendment = await releaseStaleVote(db, found);
	if (!(withdrawableAmendmentStatuses as readonly string[]).includes(amendment.status))
		throw new AppError('amendment_decided', { extra: { status: amendment.status } });
	const row = await db.transaction().execute(async (trx) => {
		const updated = await updateAmendmentStatus(trx, amendment.id, withdrawableAmendmentStatuses, 'withdrawn', user.id);
		if (!updated) throw new AppError('amendment_decided');
		await recordAudit(trx, {
			tableId: document.tableId,
			actor: user,
			action: 'amendment.withdraw',
			subjectId: document.id,
			subjectLabel: document.title,
			details: { amendmentId: amendment.id, number: amendment.number }
		});
		return updated;
	});
	return viewOf(db, row);
}
