import { z } from 'zod';
import { documentStatuses, type DocumentStatus } from '../db/schema.ts';
import type { DocumentDeps } from './deps.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { AppError } from '../errors.ts';
import { authorizeOnTable } from '../tables/service.ts';
import { parseInput } from '../validation.ts';
import { recordAudit } from '../audit/service.ts';
import { documentDocName } from '../../realtime/doc-names.ts';
import { getDocument, type TableDocument } from './service.ts';
import { freezeVersionRow, versionNoteField } from './versions.ts';

/**
 * draft → in review → final, and back from review to draft ("send back"). A final document
 * never changes again; a new draft starts from one of its versions (restoreVersion).
 */
export const documentTransitions: Record<DocumentStatus, readonly DocumentStatus[]> = {
	draft: ['in_review'],
	in_review: ['draft', 'final'],
	final: []
};

export const statusChangeInput = z.object({ status: z.enum(documentStatuses), note: versionNoteField });

/**
 * Moves a document along its lifecycle (coordinators: `document.review`). Finalizing freezes a
 * final version: the status is committed first and the open editors are turned read-only, then
 * their last edits are flushed and frozen, so no edit can land between the version and "final".
 */
export async function changeDocumentStatus(deps: DocumentDeps, user: SessionUser, documentId: string, input: unknown): Promise<TableDocument> {
	const { db, live } = deps;
	const document = await getDocument(db, user, documentId);
	await authorizeOnTable(db, user, document.tableId, 'document.review');
	const { status, note } = parseInput(statusChangeInput, input);
	if (!documentTransitions[document.status].includes(status)) throw new AppError('document_invalid_transition');

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
			await freezeVersionRow(db, user, { ...document, status }, { note, final: true });
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
