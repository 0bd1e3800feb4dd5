import type { Kysely } from 'kysely';

/**
 * An anonymous poll's ballot key no longer lives in the database (issue 11): a key stored here,
 * even if erased at close, survived in PostgreSQL's old row versions, WAL and backups, and in the
 * PGlite files, and re-linked every ballot to its voter. The key now lives in process memory or
 * Redis (polls/ballot-keys.ts). The column is emptied first so that the live row versions stop
 * carrying it (dropping a column alone leaves its bytes in every row until the table is rewritten);
 * the dead versions go with VACUUM, and docs/api.md says what remains in WAL and backups.
 * Polls open while this runs keep their ballots; their voters can no longer change them.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.updateTable('polls').set({ ballot_secret: null }).where('ballot_secret', 'is not', null).execute();
	await db.schema.alterTable('polls').dropColumn('ballot_secret').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('polls').addColumn('ballot_secret', 'bytea').execute();
}
