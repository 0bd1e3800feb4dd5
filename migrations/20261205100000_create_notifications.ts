import { sql, type Kysely } from 'kysely';

/**
 * What happened that concerns a person (issue 14, notifications): mentioned in a comment, a
 * document sent to review or made final, a meeting convened, changed or cancelled, an invitation
 * accepted. One row per recipient; `payload` holds what the text needs (titles, names), as they
 * were when it happened. `read_at` null: unread (the bell's count). `mail_state`: 'pending' until
 * the e-mail went out (at once, or in the day's digest), 'sent', or 'skipped' (the person wants no
 * e-mail, or another mail already told them, such as the convocation letter).
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('notifications')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addColumn('kind', 'text', (c) =>
			c
				.notNull()
				.check(
					sql`kind in ('mention', 'document_review', 'document_final', 'meeting_convened', 'meeting_changed', 'meeting_cancelled', 'invitation_accepted')`
				)
		)
		.addColumn('table_id', 'text', (c) => c.notNull().references('tables.id').onDelete('cascade'))
		.addColumn('subject_id', 'text', (c) => c.notNull())
		.addColumn('actor_id', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('read_at', 'timestamptz')
		.addColumn('mail_state', 'text', (c) =>
			c
				.notNull()
				.defaultTo('pending')
				.check(sql`mail_state in ('pending', 'sent', 'skipped')`)
		)
		.execute();
	// The list: a person's newest first.
	await db.schema.createIndex('notifications_user_created').on('notifications').columns(['user_id', 'created_at']).execute();
	// The bell's count: only the unread rows of a person, however long their history.
	await db.schema
		.createIndex('notifications_user_unread')
		.on('notifications')
		.column('user_id')
		.where(sql.ref('read_at'), 'is', null)
		.execute();
	// The digest: only the rows still waiting for their mail.
	await db.schema
		.createIndex('notifications_mail_pending')
		.on('notifications')
		.column('user_id')
		.where(sql.ref('mail_state'), '=', 'pending')
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('notifications').execute();
}
