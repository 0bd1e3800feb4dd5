import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { DocumentRow } from '../db/schema.ts';
import { documentKinds, type DocumentKind, type DocumentStatus } from '../../domain/documents.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { authorizeOnTable } from '../authz/access.ts';
import { fields, parseInput } from '../validation.ts';
import { documentDocName } from '../../realtime/doc-names.ts';

export interface TableDocument {
	id: string;
	tableId: string;
	kind: DocumentKind;
	title: string;
	status: DocumentStatus;
	docName: string;
	createdAt: Date;
	updatedAt: Date;
	/** The document and version this draft was restored from; null for a blank draft. */
	source: { documentId: string; versionNumber: number } | null;
}

export const documentInput = z.object({
	kind: z.enum(documentKinds),
	title: fields.title
});

function toDocument(row: DocumentRow): TableDocument {
	return {
		id: row.id,
		tableId: row.table_id,
		kind: row.kind,
		title: row.title,
		status: row.status,
		docName: documentDocName(row.id),
		createdAt: new Date(row.created_at),
		updatedAt: new Date(row.updated_at),
		source:
			row.source_document_id && row.source_version_number
				? { documentId: row.source_document_id, versionNumber: row.source_version_number }
				: null
	};
}

export async function createDocument(db: Db, user: SessionUser, tableId: string, input: unknown): Promise<TableDocument> {
	await authorizeOnTable(db, user, tableId, 'document.create');
	const data = parseInput(documentInput, input);
	const row = await db
		.insertInto('documents')
		.values({ id: newId(), table_id: tableId, kind: data.kind, title: data.title, created_by: user.id })
		.returningAll()
		.executeTakeFirstOrThrow();
	return toDocument(row);
}

export async function listDocuments(db: Db, user: SessionUser, tableId: string): Promise<TableDocument[]> {
	await authorizeOnTable(db, user, tableId, 'document.view');
	const rows = await db.selectFrom('documents').selectAll().where('table_id', '=', tableId).orderBy('updated_at', 'desc').execute();
	return rows.map(toDocument);
}

export async function getDocument(db: Db, user: SessionUser, documentId: string): Promise<TableDocument> {
	const row = await db.selectFrom('documents').selectAll().where('id', '=', documentId).executeTakeFirst();
	if (!row) throw new AppError('not_found');
	await authorizeOnTable(db, user, row.table_id, 'document.view');
	return toDocument(row);
}
