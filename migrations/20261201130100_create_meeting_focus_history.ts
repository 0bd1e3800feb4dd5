import { sql, type Kysely } from 'kysely';

/**
 * When each agenda item was in focus: one interval per time the moderator put it there, ended
 * when the focus moved on or the meeting closed. The minutes list who was present for each item
 * from these. Agenda items live in the Yjs doc `agenda:<meetingId>`, so item ids carry no FK.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('meeting_focus_history')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
		.addColumn('item_id', 'text', (c) => c.notNull())
		.addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('ended_at', 'timestamptz')
		.execute();
	await db.schema.createIndex('meeting_focus_history_meeting_id').on('meeting_focus_history').column('meeting_id').execute();
	// One item in focus at a time.
	await db.schema
		.createIndex('meeting_focus_history_one_open')
		.on('meeting_focus_history')
		.column('meeting_id')
		.unique()
		.where(sql.ref('ended_at'), 'is', null)
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('meeting_focus_history').execute();
}
