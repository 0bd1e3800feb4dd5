import { z } from 'zod';
import { documentStatuses, type DocumentStatus } from '../../domain/documents.ts';
import type { DocumentDeps } from './deps.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { AppError, isAppError } from '../errors.ts';
import { authorizeOnTable } from '../authz/access.ts';
import { parseInput } from '../validation.ts';
import { recordAudit } from '../audit/service.ts';
import { documentDocName } from '../../realtime/doc-names.ts';
import { getDocument, type TableDocument } from './service.ts';
import { freezeVersionRow, versionNoteField } from './versions.ts';
import { checkApproval, currentTextSha256 } from './approval.ts';
import { notify } from '../notifications/service.ts';

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
	/** Finalizing only: the closed approval poll (approval.ts) that approved this text. */
	approvalPollId: z
		.string()
		.trim()
		.max(64)
		.transform((v) => (v === '' ? undefined : v))
		.optional()
});

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
	const checked = approvalPollId ? await checkApproval(deps, document, approvalPollId) : undefined;
	// Refused before the status moves and the open editors lock; checked again on the frozen text.
	if (checked) checked.checkText(await currentTextSha256(deps, document));

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
	const announce = (now: DocumentStatus) =>
		deps.broadcaster?.toTable(document.tableId, 'document:status', { tableId: document.tableId, documentId, status: now });

	if (status === 'final') {
		try {
			await live?.flush();
			await freezeVersionRow(
				deps,
				user,
				{ ...document, status },
				{ note, final: true, approval: checked?.approval, checkText: checked?.checkText }
			);
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
					details: { from: status, to: document.status, reason: isAppError(error) ? error.code : 'version_failed' }
				});
			});
			await live?.documentStatusChanged(docName);
			throw error;
		}
	}
	// After the final version exists, so a page that reloads on hearing it finds the version too.
	announce(status);
	// Sent to review: the coordinators, who decide; made final: everyone on the table.
	if (status === 'in_review' || status === 'final') {
		await notify(deps.notifications, {
			kind: status === 'final' ? 'document_final' : 'document_review',
			tableId: document.tableId,
			subjectId: documentId,
			actor: user,
			recipients: status === 'final' ? 'members' : 'coordinators',
			payload: { title: document.title }
		});
	}
	return getDocument(db, user, documentId);
}
