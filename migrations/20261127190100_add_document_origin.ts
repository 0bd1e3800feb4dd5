import type { Kysely } from 'kysely';

/** Where a draft started: the document and version it was restored from (null for a blank one). */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('documents')
		.addColumn('source_document_id', 'text', (c) => c.references('documents.id').onDelete('set null'))
		.addColumn('source_version_number', 'integer')
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('documents').dropColumn('source_version_number').dropColumn('source_document_id').execute();
}
