import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { newId } from '../../src/lib/server/ids.ts';
import { openTestDatabase } from '../../tests/support/database-context.ts';
import { createPostgresYjsStore } from './postgres-yjs-store.ts';
import type { YjsStore } from './yjs-store.ts';

/**
 * The PostgreSQL store's own rows. What every YjsStore promises is in yjs-store.contract.ts, run on
 * this store by yjs-store.spec.ts.
 */

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let store: YjsStore;

beforeAll(async () => {
	database = await openTestDatabase();
	store = createPostgresYjsStore(database.db);
});

afterAll(async () => {
	await database.dispose();
});

/** A writer doc whose every update is collected. */
function writer(clientID: number) {
	const doc = new Y.Doc();
	doc.clientID = clientID;
	const updates: Uint8Array[] = [];
	doc.on('update', (update: Uint8Array) => updates.push(update));
	return { doc, updates };
}

const logRows = (docName: string) =>
	database.db.selectFrom('yjs_updates').select(['id', 'update']).where('doc_name', '=', docName).orderBy('id').execute();

const snapshotRow = (docName: string) =>
	database.db.selectFrom('yjs_snapshots').selectAll().where('doc_name', '=', docName).executeTakeFirst();

describe('PostgreSQL YjsStore', () => {
	it('deletes the folded log rows and records the last folded id in the snapshot row', async () => {
		const name = `agenda:${newId()}`;
		const w = writer(1);
		w.doc.getText('t').insert(0, 'uno');
		w.doc.getText('t').insert(3, ' due');
		await store.append(w.updates.splice(0).map((update) => ({ docName: name, update })));
		const rows = await logRows(name);
		expect(rows).toHaveLength(2);

		expect(await store.compact(name)).toBe(2);
		expect(await logRows(name)).toHaveLength(0);
		const first = await snapshotRow(name);
		expect(Number(first?.last_update_id)).toBe(Number(rows[1].id));

		w.doc.getText('t').insert(7, ' tre');
		await store.append(w.updates.splice(0).map((update) => ({ docName: name, update })));
		const [tail] = await logRows(name);
		expect(await store.compact(name)).toBe(1);
		const second = await snapshotRow(name);
		expect(Number(second?.last_update_id)).toBe(Number(tail.id));
		expect(Number(second?.last_update_id)).toBeGreaterThan(Number(first?.last_update_id));
		const doc = new Y.Doc();
		Y.applyUpdate(doc, new Uint8Array(second!.state));
		expect(doc.getText('t').toString()).toBe('uno due tre');
	});

	it('stores one append’s rows in the order given, also when it takes more than one statement', async () => {
		const name = `document:${newId()}`;
		const w = writer(2);
		// More rows than one INSERT carries (rowsPerStatement): the split must keep the order.
		for (let i = 0; i < 5003; i++) w.doc.getArray('a').push([i]);
		const updates = w.updates.splice(0);
		await store.append(updates.map((update) => ({ docName: name, update })));
		const rows = await logRows(name);
		expect(rows).toHaveLength(updates.length);
		for (const [i, row] of rows.entries()) expect(new Uint8Array(row.update)).toEqual(updates[i]);
		expect((await store.load(name))?.tailRows).toBe(5003);
	});
});
