import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import * as Y from 'yjs';
import { openDatabase, type DatabaseHandle } from '../../src/lib/server/db/connect.ts';
import { migrateToLatest } from '../../src/lib/server/db/migrate.ts';
import { newId } from '../../src/lib/server/ids.ts';
import { createPostgresYjsStore } from './postgres-yjs-store.ts';
import type { YjsStore } from './yjs-store.ts';

/** A migrated database: in-memory PGlite, or a fresh PostgreSQL database when DATABASE_URL is set. */
let database: DatabaseHandle;
let store: YjsStore;
let dropDatabase: () => Promise<void> = async () => undefined;

beforeAll(async () => {
	const baseUrl = process.env.DATABASE_URL;
	let databaseUrl: string | undefined;
	if (baseUrl) {
		const name = `tavolo_test_${newId(8)}`;
		const admin = new pg.Client({ connectionString: baseUrl });
		await admin.connect();
		await admin.query(`create database ${name}`);
		await admin.end();
		const url = new URL(baseUrl);
		url.pathname = `/${name}`;
		databaseUrl = url.toString();
		dropDatabase = async () => {
			const cleanup = new pg.Client({ connectionString: baseUrl });
			await cleanup.connect();
			await cleanup.query(`drop database if exists ${name} with (force)`);
			await cleanup.end();
		};
	}
	database = await openDatabase({ databaseUrl, dataDir: '', inMemory: true });
	await migrateToLatest(database.db);
	store = createPostgresYjsStore(database.db);
});

afterAll(async () => {
	await database.close();
	await dropDatabase();
});

/** A writer doc whose every update is collected. */
function writer(clientID: number) {
	const doc = new Y.Doc();
	doc.clientID = clientID;
	const updates: Uint8Array[] = [];
	doc.on('update', (update: Uint8Array) => updates.push(update));
	return { doc, updates };
}

describe('PostgreSQL YjsStore', () => {
	it('loads nothing for a new document, then snapshot + tail after appends and compaction', async () => {
		const name = `agenda:${newId()}`;
		expect(await store.load(name)).toBeNull();
		const w = writer(1);
		w.doc.getText('t').insert(0, 'uno');
		w.doc.getText('t').insert(3, ' due');
		await store.append(w.updates.splice(0).map((update) => ({ docName: name, update })));
		expect((await store.load(name))?.tailRows).toBe(2);

		expect(await store.compact(name)).toBe(2);
		expect(await store.compact(name)).toBe(0);
		w.doc.getText('t').insert(7, ' tre');
		await store.append(w.updates.splice(0).map((update) => ({ docName: name, update })));

		const loaded = await store.load(name);
		expect(loaded?.tailRows).toBe(1);
		const doc = new Y.Doc();
		Y.applyUpdate(doc, loaded!.state);
		expect(doc.getText('t').toString()).toBe('uno due tre');
		const snapshot = await database.db.selectFrom('yjs_snapshots').selectAll().where('doc_name', '=', name).executeTakeFirstOrThrow();
		expect(Number(snapshot.last_update_id)).toBeGreaterThan(0);
	});

	it('loses nothing when compactions run during concurrent appends', async () => {
		const name = `document:${newId()}`;
		const writers = [writer(11), writer(12), writer(13)];
		const appends: Promise<void>[] = [];
		const compactions: Promise<number>[] = [];
		for (let round = 0; round < 40; round++) {
			for (const [i, w] of writers.entries()) {
				w.doc.getArray('log').push([`${i}:${round}`]);
				appends.push(store.append(w.updates.splice(0).map((update) => ({ docName: name, update }))));
			}
			if (round % 5 === 0) compactions.push(store.compact(name));
		}
		await Promise.all(appends);
		await Promise.all(compactions);
		const loaded = await store.load(name);
		const doc = new Y.Doc();
		Y.applyUpdate(doc, loaded!.state);
		const entries = doc.getArray<string>('log').toArray();
		expect(entries).toHaveLength(120);
		for (let i = 0; i < 3; i++) {
			for (let round = 0; round < 40; round++) expect(entries).toContain(`${i}:${round}`);
		}
		// And once more after a final compaction: every row folded, nothing dropped.
		await store.compact(name);
		const compacted = new Y.Doc();
		Y.applyUpdate(compacted, (await store.load(name))!.state);
		expect(compacted.getArray('log').length).toBe(120);
		expect((await store.load(name))!.tailRows).toBe(0);
	});

	it('appends many documents in one call and keeps each document’s order', async () => {
		const names = [`agenda:${newId()}`, `agenda:${newId()}`];
		const a = writer(21);
		const b = writer(22);
		a.doc.getText('t').insert(0, 'a1');
		b.doc.getText('t').insert(0, 'b1');
		a.doc.getText('t').insert(2, 'a2');
		await store.append([
			{ docName: names[0], update: a.updates[0] },
			{ docName: names[1], update: b.updates[0] },
			{ docName: names[0], update: a.updates[1] }
		]);
		const loadedA = new Y.Doc();
		Y.applyUpdate(loadedA, (await store.load(names[0]))!.state);
		expect(loadedA.getText('t').toString()).toBe('a1a2');
		const loadedB = new Y.Doc();
		Y.applyUpdate(loadedB, (await store.load(names[1]))!.state);
		expect(loadedB.getText('t').toString()).toBe('b1');
	});
});
