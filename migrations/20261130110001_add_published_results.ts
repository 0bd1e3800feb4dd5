import type { Kysely } from 'kysely';

/**
 * The counts last published for an open anonymous poll (JSON, the tally's own shape). Such a poll
 * publishes its counts in batches, so the moment one member voted does not reveal the choice:
 * every reader, on every node, sees this snapshot until the poll closes (then the final tally).
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('polls').addColumn('published_results', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('polls').dropColumn('published_results').execute();
}
