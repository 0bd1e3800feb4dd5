import { sql, type Kysely } from 'kysely';

/**
 * Numbered, immutable versions of a document: the full encoded Yjs state plus the HTML and
 * Markdown rendered from it when it was frozen. A trigger refuses UPDATE, so "immutable" holds
 * for every writer of the database, not only for the app's own queries.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('document_versions')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('document_id', 'text', (c) => c.notNull().references('documents.id').onDelete('cascade'))
		.addColumn('number', 'integer', (c) => c.notNull().check(sql`number > 0`))
		.addColumn('state', 'bytea', (c) => c.notNull())
		.addColumn('html', 'text', (c) => c.notNull())
		.addColumn('markdown', 'text', (c) => c.notNull())
		.addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('final', 'boolean', (c) => c.notNull().defaultTo(false))
		.addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('created_by_name', 'text', (c) => c.notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addUniqueConstraint('document_versions_number', ['document_id', 'number'])
		.execute();

	await sql`
		create function document_versions_refuse_update() returns trigger language plpgsql as $$
		begin
			-- A user deleted later only loses the link (created_by set null); nothing else changes.
			if new.created_by is null and old.created_by is not null
				and (new.document_id, new.number, new.state, new.html, new.markdown, new.note, new.final, new.created_by_name, new.created_at)
				is not distinct from
				(old.document_id, old.number, old.state, old.html, old.markdown, old.note, old.final, old.created_by_name, old.created_at)
			then
				return new;
			end if;
			raise exception 'document versions are immutable';
		end
		$$`.execute(db);
	await sql`
		create trigger document_versions_immutable before update on document_versions
		for each row execute function document_versions_refuse_update()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('document_versions').execute();
	await sql`drop function document_versions_refuse_update()`.execute(db);
}
