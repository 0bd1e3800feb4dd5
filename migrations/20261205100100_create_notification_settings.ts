import { sql, type Kysely } from 'kysely';

/**
 * How a person wants notifications by e-mail: 'immediate' (one mail each), 'digest' (one mail a
 * day with what is pending) or 'none'; in the app they always arrive. No row: 'immediate'.
 * `digest_sent_at` is when their last digest went out, so a day never gets two.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('notification_settings')
		.addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
		.addColumn('email_mode', 'text', (c) =>
			c
				.notNull()
				.defaultTo('immediate')
				.check(sql`email_mode in ('immediate', 'digest', 'none')`)
		)
		.addColumn('digest_sent_at', 'timestamptz')
		.addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('notification_settings').execute();
}
