import type { Db } from '../db/connect.ts';

/** What a formal text (letter, minutes) says of a table: its name, territory, programme and organisation. */
export async function findTableHeading(db: Db, tableId: string) {
	return db
		.selectFrom('tables')
		.innerJoin('programmes', 'programmes.id', 'tables.programme_id')
		.innerJoin('organizations', 'organizations.id', 'programmes.organization_id')
		.select([
			'tables.name',
			'tables.territory',
			'tables.programme_id',
			'programmes.name as programme',
			'organizations.name as organization'
		])
		.where('tables.id', '=', tableId)
		.executeTakeFirstOrThrow();
}
