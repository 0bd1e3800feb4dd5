import type { Kysely } from 'kysely';

/**
 * A version records the SHA-256 of its Markdown (so a printed text can be checked against it)
 * and, when a final version was approved by a yes/no poll of the live room, that poll and its
 * outcome (JSON: yes, no, abstain, rule, quorum, passed).
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('document_versions')
		.addColumn('content_sha256', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('approval_poll_id', 'text', (c) => c.references('polls.id').onDelete('set null'))
		.addColumn('approval', 'text')
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('document_versions')
		.dropColumn('approval')
		.dropColumn('approval_poll_id')
		.dropColumn('content_sha256')
		.execute();
}
