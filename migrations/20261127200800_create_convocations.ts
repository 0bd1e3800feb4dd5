import { sql, type Kysely } from 'kysely';

/**
 * A meeting's convocation letter as the coordinator edited it, when it was last sent, and when
 * the day-before reminder went out (set once, by whichever node claims it first).
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('convocations')
		.addColumn('meeting_id', 'text', (c) => c.primaryKey().references('meetings.id').onDelete('cascade'))
		.addColumn('subject', 'text')
		.addColumn('body', 'text')
		.addColumn('updated_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('sent_at', 'timestamptz')
		.addColumn('reminder_sent_at', 'timestamptz')
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('convocations').execute();
}
