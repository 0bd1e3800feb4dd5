import type { Kysely } from 'kysely';

/**
 * A PDF of the table's library may be put in focus in the live room, on a page the moderator
 * turns: the page is the server's, so a late joiner (or a reload) lands where the room is.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('meeting_live')
		.addColumn('focus_attachment_id', 'text', (col) => col.references('attachments.id').onDelete('set null'))
		.execute();
	await db.schema
		.alterTable('meeting_live')
		.addColumn('focus_attachment_page', 'integer', (col) => col.notNull().defaultTo(1))
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('meeting_live').dropColumn('focus_attachment_page').execute();
	await db.schema.alterTable('meeting_live').dropColumn('focus_attachment_id').execute();
}
