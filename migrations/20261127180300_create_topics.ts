import { sql, type Kysely } from 'kysely';

/**
 * The topic backlog of a table (proposte di argomenti): proposals, who supports them (once each,
 * by key) and comments. A moderator turns selected topics into one poll; poll_id remembers it.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('topics')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('table_id', 'text', (c) => c.notNull().references('tables.id').onDelete('cascade'))
		.addColumn('title', 'text', (c) => c.notNull())
		.addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('status', 'text', (c) =>
			c
				.notNull()
				.defaultTo('open')
				.check(sql`status in ('open', 'polled')`)
		)
		.addColumn('poll_id', 'text', (c) => c.references('polls.id').onDelete('set null'))
		.addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();
	await db.schema.createIndex('topics_table_id').on('topics').column('table_id').execute();

	await db.schema
		.createTable('topic_supports')
		.addColumn('topic_id', 'text', (c) => c.notNull().references('topics.id').onDelete('cascade'))
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addPrimaryKeyConstraint('topic_supports_pk', ['topic_id', 'user_id'])
		.execute();

	await db.schema
		.createTable('topic_comments')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('topic_id', 'text', (c) => c.notNull().references('topics.id').onDelete('cascade'))
		.addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('body', 'text', (c) => c.notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();
	await db.schema.createIndex('topic_comments_topic_id').on('topic_comments').column('topic_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('topic_comments').execute();
	await db.schema.dropTable('topic_supports').execute();
	await db.schema.dropTable('topics').execute();
}
