import { sql, type Kysely } from 'kysely';

/**
 * The Yjs update log and its compacted snapshots (server/persistence/). A document's state is its
 * snapshot merged with every log row of the same doc_name; compaction folds rows into the
 * snapshot and deletes exactly those rows. doc_name is `agenda:<id>` / `document:<id>`, so it
 * carries no foreign key.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('yjs_updates')
		.addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
		.addColumn('doc_name', 'text', (c) => c.notNull())
		.addColumn('update', 'bytea', (c) => c.notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();
	await db.schema.createIndex('yjs_updates_doc_name_id').on('yjs_updates').columns(['doc_name', 'id']).execute();

	await db.schema
		.createTable('yjs_snapshots')
		.addColumn('doc_name', 'text', (c) => c.primaryKey())
		.addColumn('state', 'bytea', (c) => c.notNull())
		.addColumn('last_update_id', 'bigint', (c) => c.notNull().defaultTo(0))
		.addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('yjs_snapshots').execute();
	await db.schema.dropTable('yjs_updates').execute();
}
