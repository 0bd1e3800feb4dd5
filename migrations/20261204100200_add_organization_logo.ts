import type { Kysely } from 'kysely';

/** The organisation's logo (PNG or SVG, checked on upload) and its content type; null without one. */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('organizations').addColumn('logo', 'bytea').execute();
	await db.schema.alterTable('organizations').addColumn('logo_type', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('organizations').dropColumn('logo_type').execute();
	await db.schema.alterTable('organizations').dropColumn('logo').execute();
}
