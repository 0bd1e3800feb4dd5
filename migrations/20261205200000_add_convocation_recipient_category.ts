import type { Kysely } from 'kysely';

/**
 * Recipients of a convocation from outside the table (issue 14, item 7): the stakeholder category
 * the coordinator filed them under (the letter lists its recipients by category, "Ai Sindaci dei
 * Comuni…") and the body they represent. Members have both on their membership; for them these
 * stay null and ''. A category removed from the programme leaves the recipient without one.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('convocation_recipients')
		.addColumn('category_id', 'text', (c) => c.references('stakeholder_categories.id').onDelete('set null'))
		.addColumn('represented_body', 'text', (c) => c.notNull().defaultTo(''))
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('convocation_recipients').dropColumn('category_id').dropColumn('represented_body').execute();
}
