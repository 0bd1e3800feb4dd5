import { sql, type Kysely } from 'kysely';

/**
 * The audit log of a table: append-only. A trigger refuses UPDATE and DELETE, and the table has
 * no foreign keys, so removing a user or a document never rewrites history; names are copied in.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('audit_events')
		.addColumn('id', 'bigserial', (c) => c.primaryKey())
		.addColumn('table_id', 'text', (c) => c.notNull())
		.addColumn('actor_id', 'text')
		.addColumn('actor_name', 'text', (c) => c.notNull())
		.addColumn('action', 'text', (c) => c.notNull())
		.addColumn('subject_id', 'text')
		.addColumn('subject_label', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();
	await db.schema.createIndex('audit_events_table_time').on('audit_events').columns(['table_id', 'created_at']).execute();

	await sql`
		create function audit_events_refuse_change() returns trigger language plpgsql as $$
		begin
			raise exception 'the audit log is append-only';
		end
		$$`.execute(db);
	await sql`
		create trigger audit_events_append_only before update or delete on audit_events
		for each row execute function audit_events_refuse_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('audit_events').execute();
	await sql`drop function audit_events_refuse_change()`.execute(db);
}
