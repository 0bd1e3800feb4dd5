import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('memberships')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('table_id', 'text', (c) => c.notNull().references('tables.id').onDelete('cascade'))
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('coordinator', 'moderator', 'participant', 'observer')`))
		.addColumn('category_id', 'text', (c) => c.references('stakeholder_categories.id').onDelete('set null'))
		.addColumn('represented_body', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addUniqueConstraint('memberships_table_user', ['table_id', 'user_id'])
		.execute();
	await db.schema.createIndex('memberships_user_id').on('memberships').column('user_id').execute();

	// Only the SHA-256 of an invitation token is kept: the link is a bearer secret.
	await db.schema
		.createTable('invitations')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('table_id', 'text', (c) => c.notNull().references('tables.id').onDelete('cascade'))
		.addColumn('token_hash', 'text', (c) => c.notNull().unique())
		.addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('coordinator', 'moderator', 'participant', 'observer')`))
		.addColumn('email', 'text')
		.addColumn('category_id', 'text', (c) => c.references('stakeholder_categories.id').onDelete('set null'))
		.addColumn('max_uses', 'integer', (c) =>
			c
				.notNull()
				.defaultTo(1)
				.check(sql`max_uses > 0`)
		)
		.addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
		.addColumn('expires_at', 'timestamptz', (c) => c.notNull())
		.addColumn('revoked_at', 'timestamptz')
		.addColumn('created_by', 'text', (c) => c.references('users.id').onDelete('set null'))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();
	await db.schema.createIndex('invitations_table_id').on('invitations').column('table_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('invitations').execute();
	await db.schema.dropTable('memberships').execute();
}
