import { sql, type Kysely } from 'kysely';

/**
 * Meetings that change after they were convened: a meeting may be cancelled (a fourth status,
 * with when and why), and it keeps the SEQUENCE of its calendar event (RFC 5545 §3.8.7.4), raised
 * at every change so calendars replace the event they hold. `convocation_recipients` lists whoever
 * was sent the calendar invitation (the convocation or its reminder): they get the updates and the
 * cancellation.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await sql`alter table meetings drop constraint meetings_status_check`.execute(db);
	await sql`alter table meetings add constraint meetings_status_check check (status in ('planned', 'live', 'closed', 'cancelled'))`.execute(
		db
	);
	await db.schema
		.alterTable('meetings')
		.addColumn('calendar_sequence', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('cancelled_at', 'timestamptz')
		.addColumn('cancel_reason', 'text')
		.execute();
	await db.schema
		.createTable('convocation_recipients')
		.addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
		.addColumn('email', 'text', (c) => c.notNull())
		.addColumn('name', 'text', (c) => c.notNull())
		.addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('first_sent_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addPrimaryKeyConstraint('convocation_recipients_pkey', ['meeting_id', 'email'])
		.execute();
	// Meetings convened before this list existed: their table's members now stand for whoever the
	// convocation or reminder went to (both went to every member), so changes still reach them.
	await sql`
		insert into convocation_recipients (meeting_id, email, name, user_id, first_sent_at)
		select c.meeting_id, u.email, u.name, u.id, coalesce(c.sent_at, c.reminder_sent_at)
		from convocations c
		join meetings m on m.id = c.meeting_id
		join memberships ms on ms.table_id = m.table_id
		join users u on u.id = ms.user_id
		where c.sent_at is not null or c.reminder_sent_at is not null
		on conflict do nothing
	`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('convocation_recipients').execute();
	await db.schema.alterTable('meetings').dropColumn('calendar_sequence').dropColumn('cancelled_at').dropColumn('cancel_reason').execute();
	await sql`alter table meetings drop constraint meetings_status_check`.execute(db);
	// Without the fourth status, a cancelled meeting is kept as one that is over.
	await sql`update meetings set status = 'closed' where status = 'cancelled'`.execute(db);
	await sql`alter table meetings add constraint meetings_status_check check (status in ('planned', 'live', 'closed'))`.execute(db);
}
