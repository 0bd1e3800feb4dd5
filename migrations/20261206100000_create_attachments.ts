import { sql, type Kysely } from 'kysely';

/**
 * The table's library: files members upload (PDF, office documents, images), optionally bound
 * to a meeting's agenda item or to a document. Metadata here; the bytes in attachment_contents
 * (bytea), so listing a library never reads them. An upload may replace an earlier one
 * (`replaces_id`): the earlier row stays, as the version it was.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('attachments')
		.addColumn('id', 'text', (col) => col.primaryKey())
		.addColumn('table_id', 'text', (col) => col.notNull().references('tables.id').onDelete('cascade'))
		.addColumn('title', 'text', (col) => col.notNull())
		.addColumn('filename', 'text', (col) => col.notNull())
		.addColumn('content_type', 'text', (col) => col.notNull())
		.addColumn('size', 'integer', (col) => col.notNull())
		.addColumn('sha256', 'text', (col) => col.notNull())
		.addColumn('uploaded_by', 'text', (col) => col.references('users.id').onDelete('set null'))
		.addColumn('uploaded_by_name', 'text', (col) => col.notNull())
		.addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
		.addColumn('meeting_id', 'text', (col) => col.references('meetings.id').onDelete('set null'))
		.addColumn('agenda_item_id', 'text')
		.addColumn('document_id', 'text', (col) => col.references('documents.id').onDelete('set null'))
		.addColumn('replaces_id', 'text', (col) => col.references('attachments.id').onDelete('cascade'))
		.execute();
	await db.schema.createIndex('attachments_table_idx').on('attachments').columns(['table_id', 'created_at']).execute();
	await db.schema.createIndex('attachments_meeting_idx').on('attachments').column('meeting_id').execute();
	await db.schema.createIndex('attachments_document_idx').on('attachments').column('document_id').execute();
	// One newer version per attachment: two replacements of the same file at once cannot both win.
	await db.schema.createIndex('attachments_replaces_key').on('attachments').column('replaces_id').unique().execute();
	await db.schema
		.createTable('attachment_contents')
		.addColumn('attachment_id', 'text', (col) => col.primaryKey().references('attachments.id').onDelete('cascade'))
		.addColumn('content', 'bytea', (col) => col.notNull())
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('attachment_contents').execute();
	await db.schema.dropTable('attachments').execute();
}
