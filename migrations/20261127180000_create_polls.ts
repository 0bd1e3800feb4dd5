import { sql, type Kysely } from 'kysely';

/**
 * Polls of a meeting, their options, who has voted and the ballots.
 *
 * "Who has voted" (poll_voters, primary key (poll, user)) and "what was voted" (poll_ballots,
 * unique (poll, ballot_key)) are separate tables. For a named poll ballot_key is the user id and
 * user_id is set; for an anonymous poll ballot_key is HMAC-SHA256(ballot_secret, user id),
 * user_id is null, and ballot_secret is erased when the poll closes, so from then on nothing
 * stored links a ballot to a person. Ballots carry no timestamps on purpose.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('polls')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
		.addColumn('question', 'text', (c) => c.notNull())
		.addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('single', 'multiple', 'ranked', 'dots', 'yesno', 'scheduling')`))
		.addColumn('status', 'text', (c) =>
			c
				.notNull()
				.defaultTo('draft')
				.check(sql`status in ('draft', 'open', 'closed')`)
		)
		.addColumn('anonymous', 'boolean', (c) => c.notNull().defaultTo(false))
		.addColumn('results_visible', 'text', (c) =>
			c
				.notNull()
				.defaultTo('live')
				.check(sql`results_visible in ('live', 'after_close', 'hidden')`)
		)
		.addColumn('revealed_at', 'timestamptz')
		.addColumn('max_choices', 'integer', (c) => c.check(sql`max_choices > 0`))
		.addColumn('dots', 'integer', (c) => c.check(sql`dots > 0`))
		.addColumn('majority', 'text', (c) => c.check(sql`majority in ('simple', 'absolute', 'two_thirds')`))
		.addColumn('quorum', 'integer', (c) => c.check(sql`quorum > 0`))
		.addColumn('ballot_secret', 'bytea')
		.addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('opened_at', 'timestamptz')
		.addColumn('closed_at', 'timestamptz')
		.execute();
	await db.schema.createIndex('polls_meeting_id').on('polls').column('meeting_id').execute();

	await db.schema
		.createTable('poll_options')
		.addColumn('poll_id', 'text', (c) => c.notNull().references('polls.id').onDelete('cascade'))
		.addColumn('id', 'text', (c) => c.notNull())
		.addColumn('position', 'integer', (c) => c.notNull())
		.addColumn('label', 'text', (c) => c.notNull())
		.addPrimaryKeyConstraint('poll_options_pk', ['poll_id', 'id'])
		.addUniqueConstraint('poll_options_poll_label', ['poll_id', 'label'])
		.execute();

	await db.schema
		.createTable('poll_voters')
		.addColumn('poll_id', 'text', (c) => c.notNull().references('polls.id').onDelete('cascade'))
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addPrimaryKeyConstraint('poll_voters_pk', ['poll_id', 'user_id'])
		.execute();

	await db.schema
		.createTable('poll_ballots')
		.addColumn('poll_id', 'text', (c) => c.notNull().references('polls.id').onDelete('cascade'))
		.addColumn('ballot_key', 'text', (c) => c.notNull())
		.addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
		.addColumn('choice', 'text', (c) => c.notNull())
		.addPrimaryKeyConstraint('poll_ballots_pk', ['poll_id', 'ballot_key'])
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('poll_ballots').execute();
	await db.schema.dropTable('poll_voters').execute();
	await db.schema.dropTable('poll_options').execute();
	await db.schema.dropTable('polls').execute();
}
