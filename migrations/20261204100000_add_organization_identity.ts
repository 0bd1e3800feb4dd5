import type { Kysely } from 'kysely';

/**
 * The organisation's identity, the way its formal letters carry it (the letterhead, "Pistoia, …"
 * before the date, the signature of its Director): set by an admin, read by the convocation
 * letter, the minutes, the exports and the mail sender. Empty text means "not given".
 */
const columns = ['short_name', 'place', 'address', 'email', 'pec', 'website', 'signatory_name', 'signatory_title', 'footer'] as const;

export async function up(db: Kysely<any>): Promise<void> {
	for (const column of columns) {
		await db.schema
			.alterTable('organizations')
			.addColumn(column, 'text', (c) => c.notNull().defaultTo(''))
			.execute();
	}
}

export async function down(db: Kysely<any>): Promise<void> {
	for (const column of columns) await db.schema.alterTable('organizations').dropColumn(column).execute();
}
