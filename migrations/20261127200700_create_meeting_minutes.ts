import { sql, type Kysely } from 'kysely';

/**
 * Which document holds a meeting's minutes (verbale): at most one per meeting, so closing a
 * meeting twice, or from two nodes at once, never drafts two.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('meeting_minutes')
		.addColumn('meeting_id', 'text', (c) => c.primaryKey().references('meetings.id').onDelete('cascade'))
		.addColumn('document_id', 'text', (c) => c.notNull().unique().references('documents.id').onDelete('cascade'))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('meeting_minutes').execute();
}
