import { sql, type Kysely } from 'kysely';

/**
 * Accounts prove their address (issue 11, item 6). `users.email_verified_at` is null until the
 * owner opens the link mailed to them. Existing accounts stay unverified: their address was never
 * proven, and one may be a stranger's account registered with someone else's address (the very
 * attack this fixes). They keep their memberships and sign in as before; they verify (or recover
 * the address by a password reset, which proves it too) before accepting an invitation bound to
 * their address. Accounts made by the server's own commands (demo data) are created verified.
 *
 * One-time tokens follow the session design: the link carries `<id>.<secret>`; the row keeps the
 * id and only the SHA-256 of the secret, compared in constant time. A row is deleted when used.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('users').addColumn('email_verified_at', 'timestamptz').execute();

	await db.schema
		.createTable('email_verifications')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('secret_hash', 'text', (c) => c.notNull())
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		// The address the link was sent to: a link proves that address only.
		.addColumn('email', 'text', (c) => c.notNull())
		.addColumn('expires_at', 'timestamptz', (c) => c.notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();
	await db.schema.createIndex('email_verifications_user_id').on('email_verifications').column('user_id').execute();

	await db.schema
		.createTable('password_resets')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('secret_hash', 'text', (c) => c.notNull())
		.addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
		.addColumn('expires_at', 'timestamptz', (c) => c.notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();
	await db.schema.createIndex('password_resets_user_id').on('password_resets').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('password_resets').execute();
	await db.schema.dropTable('email_verifications').execute();
	await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
}
