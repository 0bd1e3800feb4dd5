import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('organizations')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('name', 'text', (c) => c.notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();

	await db.schema
		.createTable('programmes')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
		.addColumn('name', 'text', (c) => c.notNull())
		.addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();

	await db.schema
		.createTable('stakeholder_categories')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('programme_id', 'text', (c) => c.notNull().references('programmes.id').onDelete('cascade'))
		.addColumn('key', 'text', (c) => c.notNull())
		.addColumn('label_it', 'text', (c) => c.notNull())
		.addColumn('label_en', 'text', (c) => c.notNull())
		.addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
		.addUniqueConstraint('stakeholder_categories_programme_key', ['programme_id', 'key'])
		.execute();

	await db.schema
		.createTable('tables')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('programme_id', 'text', (c) => c.notNull().references('programmes.id').onDelete('cascade'))
		.addColumn('name', 'text', (c) => c.notNull())
		.addColumn('territory', 'text', (c) => c.notNull())
		.addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();

	await db.schema
		.createTable('table_expected_categories')
		.addColumn('table_id', 'text', (c) => c.notNull().references('tables.id').onDelete('cascade'))
		.addColumn('category_id', 'text', (c) => c.notNull().references('stakeholder_categories.id').onDelete('cascade'))
		.addPrimaryKeyConstraint('table_expected_categories_pk', ['table_id', 'category_id'])
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('table_expected_categories').execute();
	await db.schema.dropTable('tables').execute();
	await db.schema.dropTable('stakeholder_categories').execute();
	await db.schema.dropTable('programmes').execute();
	await db.schema.dropTable('organizations').execute();
}
