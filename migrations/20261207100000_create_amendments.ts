import { sql, type Kysely } from 'kysely';

/**
 * Amendments to a draft (issue 15, item 4): a member proposes to replace a passage, anchored like a
 * comment (two Yjs relative positions and the text quoted then); a yes/no poll bound to it
 * (`polls.amendment_id`, as an approval poll records its version) decides it. `number` counts a
 * document's amendments from 1, as an assembly numbers them. The outcome stays: accepted (applied
 * to the text), rejected, superseded (the passage changed before it could be applied) or withdrawn.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('amendments')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
		.addColumn('number', 'integer', (c) => c.notNull())
		.addColumn('proposer_id', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('proposer_name', 'text', (c) => c.notNull())
		.addColumn('anchor_from', 'text', (c) => c.notNull())
		.addColumn('anchor_to', 'text', (c) => c.notNull())
		.addColumn('quote', 'text', (c) => c.notNull())
		.addColumn('replacement', 'text', (c) => c.notNull())
		.addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('status', 'text', (c) => c.notNull().defaultTo('proposed'))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('decided_at', 'timestamptz')
		.addColumn('decided_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addCheckConstraint('amendments_status_check', sql`status in ('proposed', 'voting', 'accepted', 'rejected', 'superseded', 'withdrawn')`)
		.addUniqueConstraint('amendments_document_number_key', ['document_id', 'number'])
		.execute();
	await db.schema
		.alterTable('polls')
		.addColumn('amendment_id', 'text', (c) => c.references('amendments.id').onDelete('cascade'))
		.execute();
	await db.schema.createIndex('polls_amendment_idx').on('polls').column('amendment_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropIndex('polls_amendment_idx').execute();
	await db.schema.alterTable('polls').dropColumn('amendment_id').execute();
	await db.schema.dropTable('amendments').execute();
}
