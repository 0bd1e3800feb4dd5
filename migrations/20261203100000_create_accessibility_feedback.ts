import { sql, type Kysely } from 'kysely';

/**
 * Reports of accessibility problems sent from the accessibility statement (/accessibilita) or the
 * API: the "meccanismo di feedback" the AgID guidelines ask of public bodies' services. Anyone may
 * send one, signed in or not, so user_id is optional and the e-mail to answer is kept on the row.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('accessibility_feedback')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('email', 'text', (c) => c.notNull())
		.addColumn('page', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('message', 'text', (c) => c.notNull())
		.addColumn('status', 'text', (c) =>
			c
				.notNull()
				.defaultTo('open')
				.check(sql`status in ('open', 'handled')`)
		)
		.addColumn('handled_at', 'timestamptz')
		.execute();
	// The admin list: open reports first, newest first within each.
	await db.schema
		.createIndex('accessibility_feedback_status_created')
		.on('accessibility_feedback')
		.columns(['status', 'created_at'])
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('accessibility_feedback').execute();
}
