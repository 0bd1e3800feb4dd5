import { sql, type Kysely } from 'kysely';

/**
 * Invitations that reach people by e-mail (issue 14): whom it is for (a name and the body they
 * represent, from an imported list, carried to the membership on acceptance) and how its mail
 * went. `mail_status` is null for a link without an address (nothing to send), 'sent' or
 * 'failed'; a failure keeps the invitation, with the server's answer, so the coordinator sees it
 * and can send it again.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('invitations')
		.addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('represented_body', 'text', (c) => c.notNull().defaultTo(''))
		.addColumn('mail_status', 'text', (c) => c.check(sql`mail_status in ('sent', 'failed')`))
		.addColumn('mail_error', 'text')
		.addColumn('mailed_at', 'timestamptz')
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('invitations')
		.dropColumn('name')
		.dropColumn('represented_body')
		.dropColumn('mail_status')
		.dropColumn('mail_error')
		.dropColumn('mailed_at')
		.execute();
}
