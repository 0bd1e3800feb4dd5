import { sql, type Kysely } from 'kysely';

/**
 * Hybrid attendance: people the moderator checks in as present in the council chamber ('room')
 * or only on the video call ('call'), with no Tavolo page open. Either a member of the table
 * (user_id) or a guest named by the moderator, with a stakeholder category and the body they
 * represent. checked_out_at stays null while they are there; the meeting's close ends it.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('meeting_check_ins')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
		.addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
		.addColumn('guest_name', 'text')
		.addColumn('category_id', 'text', (c) => c.references('stakeholder_categories.id').onDelete('set null'))
		.addColumn('represented_body', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('room', 'call')`))
		.addColumn('checked_in_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('checked_out_at', 'timestamptz')
		.addColumn('checked_in_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('checked_out_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		// A member or a guest, never both nor neither.
		.addCheckConstraint('meeting_check_ins_member_or_guest', sql`(user_id is null) <> (guest_name is null)`)
		.execute();
	await db.schema.createIndex('meeting_check_ins_meeting_id').on('meeting_check_ins').column('meeting_id').execute();
	// A member is checked in once at a time, whatever two moderators click at once.
	await db.schema
		.createIndex('meeting_check_ins_one_open_per_member')
		.on('meeting_check_ins')
		.columns(['meeting_id', 'user_id'])
		.unique()
		.where(sql.ref('checked_out_at'), 'is', null)
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('meeting_check_ins').execute();
}
