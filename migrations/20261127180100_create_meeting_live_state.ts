import { sql, type Kysely } from 'kysely';

/**
 * What a live meeting shows beside the agenda, kept in the database so a reload or another node
 * sees the same: the item in focus, one timer per agenda item (server-clock instants) and the
 * speaker queue. Agenda items live in the Yjs doc `agenda:<meetingId>`, so item ids carry no FK.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('meeting_live')
		.addColumn('meeting_id', 'text', (c) => c.primaryKey().references('meetings.id').onDelete('cascade'))
		.addColumn('focus_item_id', 'text')
		.addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();

	await db.schema
		.createTable('meeting_timers')
		.addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
		.addColumn('item_id', 'text', (c) => c.notNull())
		.addColumn('duration_ms', 'integer', (c) => c.notNull().check(sql`duration_ms >= 0`))
		.addColumn('elapsed_ms', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('running_since', 'timestamptz')
		.addPrimaryKeyConstraint('meeting_timers_pk', ['meeting_id', 'item_id'])
		.execute();

	await db.schema
		.createTable('meeting_speakers')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('waiting', 'speaking', 'done', 'withdrawn')`))
		.addColumn('position', 'integer', (c) => c.notNull())
		.addColumn('raised_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('started_at', 'timestamptz')
		.addColumn('ended_at', 'timestamptz')
		.execute();
	// At most one open request per person and one speaker at a time, whatever the races.
	await db.schema
		.createIndex('meeting_speakers_one_open_per_user')
		.on('meeting_speakers')
		.columns(['meeting_id', 'user_id'])
		.unique()
		.where(sql.ref('status'), 'in', ['waiting', 'speaking'])
		.execute();
	await db.schema
		.createIndex('meeting_speakers_one_speaking')
		.on('meeting_speakers')
		.column('meeting_id')
		.unique()
		.where(sql.ref('status'), '=', 'speaking')
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('meeting_speakers').execute();
	await db.schema.dropTable('meeting_timers').execute();
	await db.schema.dropTable('meeting_live').execute();
}
