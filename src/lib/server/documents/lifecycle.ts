import { z } from 'zod';
import { documentStatuses, type DocumentStatus } from '../../domain/documents.ts';
import type { DocumentDeps } from './deps.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { AppError } from '../errors.ts';
import { authorizeOnTable } from '../authz/access.ts';
import { parseInput } from '../validation.ts';
import { recordAudit } from '../audit/service.ts';
import { documentDocName } from '../../realtime/doc-names.ts';
import { getDocument, type TableDocument } from './service.ts';
import { freezeVersionRow, versionNoteField, type VersionApproval } from './versions.ts';
import { computeResults } from '../polls/service.ts';

/**
 * draft → in review → final, and back from review to draft ("send back"). A final document
 * never changes again; a new draft starts from one of its versions (restoreVersion).
 */
export const documentTransitions: Record<DocumentStatus, readonly DocumentStatus[]> = {
	draft: ['in_review'],
	in_review: ['draft', 'final'],
	final: []
};

export const statusChangeInput = z.object({
	status: z.enum(documentStatuses),
	note: versionNoteField,
	/** Finalizing only: the closed yes/no poll of the table's live room that approved the text. */
	approvalPollId: z
		.string()
		.trim()
		.max(64)
		.transform((v) => (v === '' ? undefined : v))
		.optional()
});

export interface ApprovalPollChoice {
	id: string;
	question: string;
	meetingTitle: string;
	passed: boolean;
}

/** The closed yes/no polls of the table's meetings, newest first: what may approve a text. */
export async function listApprovalPolls(db: DocumentDeps['db'], tableId: string): Promise<ApprovalPollChoice[]> {
	const polls = await db
		.selectFrom('polls')
		.innerJoin('meetings', 'meetings.id', 'polls.meeting_id')
		.selectAll('polls')
		.select('meetings.title as meeting_title')
		.where('meetings.table_id', '=', tableId)
		.where('polls.kind', '=', 'yesno')
		.where('polls.status', '=', 'closed')
		.orderBy('polls.closed_at', 'desc')
		.limit(20)
		.execute();
	return Promise.all(
		polls.map(async (poll) => ({
			id: poll.id,
			question: poll.question,
			meetingTitle: poll.meeting_title,
			passed: (await computeResults(db, poll)).outcome?.passed ?? false
		}))
	);
}

/**
 * The outcome of a closed yes/no poll held in one of the document's table's meetings, to be
 * recorded on the final version. Anything else is refused before the status changes.
 */
async function approvalFrom(db: DocumentDeps['db'], tableId: string, pollId: string): Promise<VersionApproval> {
	const poll = await db
		.selectFrom('polls')
		.innerJoin('meetings', 'meetings.id', 'polls.meeting_id')
		.selectAll('polls')
		.where('polls.id', '=', pollId)
		.where('meetings.table_id', '=', tableId)
		.executeTakeFirst();
	if (!poll || poll.kind !== 'yesno' || poll.status !== 'closed') {
		throw new AppError('validation_failed', { fields: { approvalPollId: 'invalid_choice' } });
	}
	const { outcome } = await computeResults(db, poll);
	if (!outcome) throw new AppError('validation_failed', { fields: { approvalPollId: 'invalid_choice' } });
	return { pollId: poll.id, question: poll.question, ...outcome };
}

/**
 * Moves a document along its lifecycle (coordinators: `document.review`). Finalizing freezes a
 * final version: the status is committed first and the open editors are turned read-only, then
 * their last edits are flushed and frozen, so no edit can land between the version and "final".
 */
export async function changeDocumentStatus(
	deps: DocumentDeps,
	user: SessionUser,
	documentId: string,
	input: unknown
): Promise<TableDocument> {
	const { db, live } = deps;
	const document = await getDocument(db, user, documentId);
	await authorizeOnTable(db, user, document.tableId, 'document.review');
	const { status, note, approvalPollId } = parseInput(statusChangeInput, input);
	if (!documentTransitions[document.status].includes(status)) throw new AppError('document_invalid_transition');
	if (approvalPollId && status !== 'final') throw new AppError('validation_failed', { fields: { approvalPollId: 'invalid_choice' } });
	const approval = approvalPollId ? await approvalFrom(db, document.tableId, approvalPollId) : undefined;

	await db.transaction().execute(async (trx) => {
		const row = await trx
			.updateTable('documents')
			.set({ status, updated_at: new Date() })
			.where('id', '=', documentId)
			.where('status', '=', document.status)
			.returning('id')
			.executeTakeFirst();
		if (!row) throw new AppError('document_invalid_transition');
		await recordAudit(trx, {
			tableId: document.tableId,
			actor: user,
			action: 'document.status',
			subjectId: documentId,
			subjectLabel: document.title,
			details: { from: document.status, to: status }
		});
	});
	const docName = documentDocName(documentId);
	await live?.documentStatusChanged(docName);

	if (status === 'final') {
		try {
			await live?.flush();
			await freezeVersionRow(db, user, { ...document, status }, { note, final: true, approval });
		} catch (error) {
			// Without its final version the document must not stay final: back to review, and the
			// log says so (it is append-only, so the undo is a second event).
			await db.transaction().execute(async (trx) => {
				await trx.updateTable('documents').set({ status: document.status }).where('id', '=', documentId).execute();
				await recordAudit(trx, {
					tableId: document.tableId,
					actor: user,
					action: 'document.status',
					subjectId: documentId,
					subjectLabel: document.title,
					details: { from: status, to: document.status, reason: 'version_failed' }
				});
			});
			await live?.documentStatusChanged(docName);
			throw error;
		}
	}
	return getDocument(db, user, documentId);
}
