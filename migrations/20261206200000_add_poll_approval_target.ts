import type { Kysely } from 'kysely';

/**
 * An approval poll is opened from one frozen version of a document: the poll records the document,
 * the version's number and the SHA-256 of its Markdown at that moment, so finalizing can check that
 * the text voted on is the text made final (issue 15, item 3). Null on every other poll.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('polls')
		.addColumn('approval_document_id', 'text', (c) => c.references('documents.id').onDelete('cascade'))
		.addColumn('approval_version_number', 'integer')
		.addColumn('approval_content_sha256', 'text')
		.execute();
	await db.schema.createIndex('polls_approval_document_idx').on('polls').column('approval_document_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropIndex('polls_approval_document_idx').execute();
	await db.schema
		.alterTable('polls')
		.dropColumn('approval_content_sha256')
		.dropColumn('approval_version_number')
		.dropColumn('approval_document_id')
		.execute();
}
