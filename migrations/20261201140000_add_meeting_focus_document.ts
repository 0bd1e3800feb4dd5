import type { Kysely } from 'kysely';

/**
 * A document of the table may be put in focus in the live room, beside the agenda item: everyone
 * in the room (and on the projector) reads it in the centre column. Cleared when the document is
 * deleted.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('meeting_live')
		.addColumn('focus_document_id', 'text', (col) => col.references('documents.id').onDelete('set null'))
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('meeting_live').dropColumn('focus_document_id').execute();
}
