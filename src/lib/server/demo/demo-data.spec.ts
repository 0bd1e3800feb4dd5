import { afterAll, beforeAll, expect, it } from 'vitest';
import * as Y from 'yjs';
import { openTestDatabase } from '../../../../tests/support/database-context.ts';
import { readAgenda } from '../../agenda/agenda-doc.ts';
import { loadDemoData } from './demo-data.ts';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
beforeAll(async () => {
	database = await openTestDatabase();
});
afterAll(() => database?.dispose());

it('loads three territorial tables with every role, a first meeting with the letter agenda, once', async () => {
	const first = await loadDemoData(database.db);
	expect(first).toMatchObject({ created: true, tables: 3 });
	const { db } = database;
	const tables = await db.selectFrom('tables').select(['id', 'name']).execute();
	expect(tables.map((t) => t.name).sort()).toEqual(['Tavolo Area della piana', 'Tavolo Area montana', 'Tavolo Area urbana']);
	const roles = await db.selectFrom('memberships').select('role').distinct().execute();
	expect(roles.map((r) => r.role).sort()).toEqual(['coordinator', 'moderator', 'observer', 'participant']);
	const meeting = await db.selectFrom('meetings').select('id').executeTakeFirstOrThrow();
	const rows = await db.selectFrom('yjs_updates').select('update').where('doc_name', '=', `agenda:${meeting.id}`).execute();
	const doc = new Y.Doc();
	for (const row of rows) Y.applyUpdate(doc, row.update);
	expect(readAgenda(doc)).toHaveLength(4);
	// The first account of an empty deployment is its admin.
	expect(
		(await db.selectFrom('users').select('is_admin').where('email', '=', 'marta.coordinatrice@demo.tavolo').executeTakeFirstOrThrow())
			.is_admin
	).toBe(true);

	expect(await loadDemoData(db)).toMatchObject({ created: false });
	expect(await db.selectFrom('tables').select('id').execute()).toHaveLength(3);
});
