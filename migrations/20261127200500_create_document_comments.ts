import { sql, type Kysely } from 'kysely';

/**
 * Comments on a document's text. They live here, not in the Yjs document, so the review desk can
 * count them and nobody can rewrite them by editing the draft. A thread is a root comment
 * (parent_id null) anchored to a text range; replies point at their root and carry no anchor.
 * The anchors are Yjs relative positions (Y.encodeRelativePosition, base64), which keep pointing at
 * the same characters while people edit; quote is the text as it was when the thread began.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('document_comments')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
		.addColumn('parent_id', 'text', (c) => c.references('document_comments.id').onDelete('cascade'))
		.addColumn('author_id', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('author_name', 'text', (c) => c.notNull())
		.addColumn('body', 'text', (c) => c.notNull())
		.addColumn('anchor_from', 'text')
		.addColumn('anchor_to', 'text')
		.addColumn('quote', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('resolved_at', 'timestamptz')
		.addColumn('resolved_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addCheckConstraint(
			'document_comments_anchor_on_threads',
			sql`(parent_id is null and anchor_from is not null and anchor_to is not null) or (parent_id is not null and anchor_from is null and anchor_to is null)`
		)
		.execute();
	await db.schema.createIndex('document_comments_document_id').on('document_comments').columns(['document_id', 'created_at']).execute();
	await db.schema.createIndex('document_comments_parent_id').on('document_comments').column('parent_id').execute();

	await db.schema
		.createTable('comment_mentions')
		.addColumn('comment_id', 'text', (c) => c.notNull().references('document_comments.id').onDelete('cascade'))
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addPrimaryKeyConstraint('comment_mentions_pk', ['comment_id', 'user_id'])
		.execute();
	await db.schema.createIndex('comment_mentions_user_id').on('comment_mentions').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('comment_mentions').execute();
	await db.schema.dropTable('document_comments').execute();
}
