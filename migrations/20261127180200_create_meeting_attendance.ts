import { sql, type Kysely } from 'kysely';

/**
 * The attendance register: one row per stay in the live room (a socket joining and leaving).
 * left_at stays null while the person is in the room, or if the process died meanwhile.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('meeting_attendance')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('meeting_id', 'text', (c) => c.notNull().references('meetings.id').onDelete('cascade'))
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addColumn('joined_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('left_at', 'timestamptz')
		.execute();
	await db.schema.createIndex('meeting_attendance_meeting_id').on('meeting_attendance').column('meeting_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('meeting_attendance').execute();
}
