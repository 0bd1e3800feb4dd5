import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('meetings')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('table_id', 'text', (c) => c.notNull().references('tables.id').onDelete('cascade'))
		.addColumn('title', 'text', (c) => c.notNull())
		.addColumn('starts_at', 'timestamptz', (c) => c.notNull())
		.addColumn('ends_at', 'timestamptz', (c) => c.notNull())
		.addColumn('video_url', 'text')
		.addColumn('status', 'text', (c) =>
			c
				.notNull()
				.defaultTo('planned')
				.check(sql`status in ('planned', 'live', 'closed')`)
		)
		.addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addCheckConstraint('meetings_ends_after_start', sql`ends_at > starts_at`)
		.execute();
	await db.schema.createIndex('meetings_table_id').on('meetings').column('table_id').execute();

	await db.schema
		.createTable('documents')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('table_id', 'text', (c) => c.notNull().references('tables.id').onDelete('cascade'))
		.addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('protocol', 'guideline', 'agreement', 'minutes', 'rules', 'other')`))
		.addColumn('title', 'text', (c) => c.notNull())
		.addColumn('status', 'text', (c) =>
			c
				.notNull()
				.defaultTo('draft')
				.check(sql`status in ('draft', 'in_review', 'final')`)
		)
		.addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();
	await db.schema.createIndex('documents_table_id').on('documents').column('table_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('documents').execute();
	await db.schema.dropTable('meetings').execute();
}
