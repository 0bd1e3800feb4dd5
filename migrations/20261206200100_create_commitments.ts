import { sql, type Kysely } from 'kysely';

/**
 * "Who does what by when", recorded in the live room (issue 15, item 5): owned by a member or by a
 * represented body, due on a calendar day (Europe/Rome, kept as the text `YYYY-MM-DD`: no driver turns it
 * into a midnight in some other zone), with its progress. The meeting that recorded it stays, with
 * the agenda item or the poll (a decision) it came from, if any; `reviewed_in_meeting_id` is the later meeting whose agenda checked it.
 * `reminder_sent_at` is claimed once, before the reminder mail goes out.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('commitments')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('table_id', 'text', (c) => c.notNull().references('tables.id').onDelete('cascade'))
		.addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
		.addColumn('title', 'text', (c) => c.notNull())
		.addColumn('owner_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('owner_body', 'text')
		.addColumn('agenda_item_id', 'text')
		.addColumn('poll_id', 'text', (c) => c.references('polls.id').onDelete('set null'))
		.addColumn('due_on', 'text', (c) => c.notNull())
		.addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
		.addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('updated_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('reviewed_in_meeting_id', 'text', (c) => c.references('meetings.id').onDelete('set null'))
		.addColumn('reminder_sent_at', 'timestamptz')
		.addCheckConstraint('commitments_status_check', sql`status in ('open', 'in_progress', 'done', 'cancelled')`)
		.addCheckConstraint('commitments_due_on_check', sql`due_on ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'`)
		.addCheckConstraint('commitments_owner_check', sql`owner_user_id is not null or owner_body is not null`)
		.execute();
	await db.schema.createIndex('commitments_table_idx').on('commitments').columns(['table_id', 'due_on']).execute();
	await db.schema.createIndex('commitments_meeting_idx').on('commitments').column('meeting_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('commitments').execute();
}
