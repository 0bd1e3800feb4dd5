import { sql, type Kysely } from 'kysely';

/**
 * One counter every node shares, drawn before each reading of a meeting's presence. Readings
 * made on different nodes at the same moment reach a browser in any order; with the number, the
 * browser keeps the newest and ignores an older one that arrives after it.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await sql`create sequence presence_versions`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`drop sequence presence_versions`.execute(db);
}
