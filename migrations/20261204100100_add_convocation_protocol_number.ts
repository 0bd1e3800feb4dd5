import type { Kysely } from 'kysely';

/** The protocol number the body's registry gives an outgoing letter ("Prot. n. …"), if any. */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('convocations')
		.addColumn('protocol_number', 'text', (c) => c.notNull().defaultTo(''))
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('convocations').dropColumn('protocol_number').execute();
}
