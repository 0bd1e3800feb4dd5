import { z } from 'zod';
import type { SessionUser } from '../auth/sessions.ts';
import { AppError } from '../errors.ts';
import { authorizeOnTable } from '../authz/access.ts';
import { fields, parseInput } from '../validation.ts';
import { recordAudit } from '../audit/service.ts';
import type { LiveDeps } from '../live/deps.ts';
import { computeResults, createPoll, pollLimits } from '../polls/service.ts';
import { majorityRules } from '../../domain/polls.ts';
import type { PollView } from '../../realtime/protocol.ts';
import type { DocumentDeps } from './deps.ts';
import { getDocument, type TableDocument } from './service.ts';
import { findVersionRow, markdownSha256, type VersionApproval } from './versions.ts';
import { loadDocumentUpdates } from './yjs-state.ts';

/**
 * Issue 15, item 3: a text is approved as it was voted. An approval poll is opened from one frozen
 * version and records its SHA-256; finalizing with that poll checks the document, the version and
 * that the text being made final hashes the same.
 */

export const approvalPollInput = z.object({
	meetingId: fields.id,
	/** Defaults to "Approvazione del testo «title» (versione N)". */
	question: z.string().trim().min(1).max(pollLimits.question).optional(),
	majority: z.enum(majorityRules).optional(),
	quorum: z.number().int().min(1).max(pollLimits.quorum).optional()
});

/** The poll's wording is data, written in the table's language (Italian), like the yes/no labels. */
const defaultQuestion = (title: string, number: number) => `Approvazione del testo «${title}» (versione ${number})`;

/**
 * `POST /api/v1/documents/:id/versions/:n/approval-poll {meetingId}` (coordinators): a yes/no poll,
 * a draft in that meeting's room like any other, bound to version `n` and its SHA-256.
 */
export async function openApprovalPoll(
	deps: LiveDeps,
	user: SessionUser,
	documentId: string,
	number: number,
	input: unknown
): Promise<PollView> {
	const document = await getDocument(deps.db, user, documentId);
	await authorizeOnTable(deps.db, user, document.tableId, 'document.review');
	const data = parseInput(approvalPollInput, input);
	if (document.status === 'final') throw new AppError('document_final');
	const version = await findVersionRow(deps.db, documentId, number);
	const meeting = await deps.db.selectFrom('meetings').select('table_id').where('id', '=', data.meetingId).executeTakeFirst();
	// A meeting of another table is not this document's room: refused as an unknown meeting.
	if (!meeting || meeting.table_id !== document.tableId)
		throw new AppError('validation_failed', { fields: { meetingId: 'invalid_choice' } });
	const poll = await createPoll(
		deps,
		user,
		data.meetingId,
		{
			question: data.question ?? defaultQuestion(document.title, number).slice(0, pollLimits.question),
			kind: 'yesno',
			anonymous: false,
			resultsVisible: 'live',
			majority: data.majority,
			quorum: data.quorum
		},
		{ documentId, versionNumber: number, contentSha256: version.content_sha256 }
	);
	await recordAudit(deps.db, {
		tableId: document.tableId,
		actor: user,
		action: 'document.approval_poll',
		subjectId: documentId,
		subjectLabel: document.title,
		details: { version: number, pollId: poll.id, meetingId: data.meetingId, sha256: version.content_sha256 }
	});
	return poll;
}

/** What finalizing with an approval poll will record, and the hash the frozen text must have. */
export interface CheckedApproval {
	approval: VersionApproval;
	/** Throws `approval_text_changed` unless `contentSha256` is the voted version's. */
	checkText(contentSha256: string): void;
}

/**
 * The approval a poll gives this document now, or why it gives none: an unknown poll or one that
 * is not a yes/no motion of the table (400), a poll of another document or of a version a later
 * one has replaced with another text (409 `approval_poll_mismatch`), still open (409
 * `poll_not_closed`), rejected or without quorum (409 `approval_not_passed`), or a text that
 * changed since the vote (409 `approval_text_changed`, with a link to the diff since the voted version).
 */
export async function checkApproval(deps: DocumentDeps, document: TableDocument, pollId: string): Promise<CheckedApproval> {
	const { db } = deps;
	const poll = await db
		.selectFrom('polls')
		.innerJoin('meetings', 'meetings.id', 'polls.meeting_id')
		.selectAll('polls')
		.where('polls.id', '=', pollId)
		.where('meetings.table_id', '=', document.tableId)
		.executeTakeFirst();
	if (!poll || poll.kind !== 'yesno') throw new AppError('validation_failed', { fields: { approvalPollId: 'invalid_choice' } });
	const versionNumber = poll.approval_version_number;
	const votedSha256 = poll.approval_content_sha256;
	if (poll.approval_document_id !== document.id || versionNumber === null || !votedSha256) {
		throw new AppError('approval_poll_mismatch', { extra: { pollDocumentId: poll.approval_document_id, pollVersion: versionNumber } });
	}
	const replaced = await db
		.selectFrom('document_versions')
		.select('number')
		.where('document_id', '=', document.id)
		.where('number', '>', versionNumber)
		.where('content_sha256', '!=', votedSha256)
		.orderBy('number', 'desc')
		.executeTakeFirst();
	if (replaced) throw new AppError('approval_poll_mismatch', { extra: { pollVersion: versionNumber, latestVersion: replaced.number } });
	if (poll.status !== 'closed') throw new AppError('poll_not_closed');
	const { outcome } = await computeResults(db, poll);
	if (!outcome?.passed) throw new AppError('approval_not_passed');

	const checkText = (contentSha256: string) => {
		if (contentSha256 === votedSha256) return;
		throw new AppError('approval_text_changed', {
			extra: {
				votedVersion: versionNumber,
				votedSha256,
				currentSha256: contentSha256,
				diffUrl: `/api/v1/documents/${document.id}/diff?from=${versionNumber}&to=current`,
				compareUrl: `/documents/${document.id}/compare?from=${versionNumber}&to=current`
			}
		});
	};
	return {
		approval: { pollId: poll.id, question: poll.question, versionNumber, contentSha256: votedSha256, ...outcome },
		checkText
	};
}

/**
 * The SHA-256 of the draft as it is now (edits held by the /yjs endpoint flushed first), rendered
 * in a worker as a version would be: a cheap refusal before the status moves and editors lock.
 */
export async function currentTextSha256(deps: DocumentDeps, document: TableDocument): Promise<string> {
	await deps.live?.flush();
	const { markdown } = await deps.heavy.freeze({ updates: await loadDocumentUpdates(deps.db, document.docName) });
	return markdownSha256(markdown);
}

export interface ApprovalPollChoice {
	id: string;
	question: string;
	meetingTitle: string;
	versionNumber: number;
	passed: boolean;
}

/** The closed approval polls of this document, newest first: what the finalize form offers. */
export async function listApprovalPolls(db: DocumentDeps['db'], documentId: string): Promise<ApprovalPollChoice[]> {
	const polls = await db
		.selectFrom('polls')
		.innerJoin('meetings', 'meetings.id', 'polls.meeting_id')
		.selectAll('polls')
		.select('meetings.title as meeting_title')
		.where('polls.approval_document_id', '=', documentId)
		.where('polls.status', '=', 'closed')
		.orderBy('polls.closed_at', 'desc')
		.limit(20)
		.execute();
	return Promise.all(
		polls.map(async (poll) => ({
			id: poll.id,
			question: poll.question,
			meetingTitle: poll.meeting_title,
			versionNumber: poll.approval_version_number ?? 0,
			passed: (await computeResults(db, poll)).outcome?.passed ?? false
		}))
	);
}
