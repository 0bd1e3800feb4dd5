import { sql, type Kysely } from 'kysely';

/**
 * The next meeting a closed scheduling poll created (once: the link makes it idempotent), and the
 * backlog topics put on its agenda (status `scheduled`, meeting_id says which meeting).
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('polls')
		.addColumn('next_meeting_id', 'text', (c) => c.references('meetings.id').onDelete('set null'))
		.execute();
	await db.schema
		.alterTable('topics')
		.addColumn('meeting_id', 'text', (c) => c.references('meetings.id').onDelete('set null'))
		.execute();
	// The inline check of create_topics is named by PostgreSQL's rule: <table>_<column>_check.
	await sql`alter table topics drop constraint topics_status_check`.execute(db);
	await sql`alter table topics add constraint topics_status_check check (status in ('open', 'polled', 'scheduled'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`update topics set status = 'polled' where status = 'scheduled'`.execute(db);
	await sql`alter table topics drop constraint topics_status_check`.execute(db);
	await sql`alter table topics add constraint topics_status_check check (status in ('open', 'polled'))`.execute(db);
	await db.schema.alterTable('topics').dropColumn('meeting_id').execute();
	await db.schema.alterTable('polls').dropColumn('next_meeting_id').execute();
}
