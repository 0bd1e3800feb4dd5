import type { Kysely } from 'kysely';

/**
 * A closed poll whose leaders are level (a "Parità": equal Borda points and first preferences, or
 * a date with as many "yes" and "maybe") is decided by the moderator: the chosen option, who chose
 * it and when. The option is one of the poll's own (same poll, by the composite key).
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.alterTable('polls')
		.addColumn('tie_choice', 'text')
		.addColumn('tie_chosen_by', 'text', (col) => col.references('users.id').onDelete('set null'))
		.addColumn('tie_chosen_at', 'timestamptz')
		.execute();
	await db.schema
		.alterTable('polls')
		.addForeignKeyConstraint('polls_tie_choice_option_fk', ['id', 'tie_choice'], 'poll_options', ['poll_id', 'id'])
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.alterTable('polls').dropConstraint('polls_tie_choice_option_fk').execute();
	await db.schema.alterTable('polls').dropColumn('tie_choice').dropColumn('tie_chosen_by').dropColumn('tie_chosen_at').execute();
}
