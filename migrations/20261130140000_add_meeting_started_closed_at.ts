import type { Kysely } from 'kysely';

/**
 * When a meeting went live and when it closed. The attendance register and the minutes count
 * only what happened between the two (a visit before the start, or a row written after the
 * close, is not attendance). Null for a meeting that has not started or closed yet, and for
 * meetings closed before this migration (their stays are then shown as recorded).
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('meetings').addColumn('started_at', 'timestamptz').addColumn('closed_at', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('meetings').dropColumn('started_at').dropColumn('closed_at').execute();
}
