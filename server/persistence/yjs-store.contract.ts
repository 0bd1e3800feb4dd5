import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { newId } from '../../src/lib/server/ids.ts';
import type { YjsStore } from './yjs-store.ts';

export interface YjsStoreUnderTest {
	store: YjsStore;
	dispose(): Promise<void>;
}

/** A writer doc whose every update is collected. */
function writer(clientID: number) {
	const doc = new Y.Doc();
	doc.clientID = clientID;
	const updates: Uint8Array[] = [];
	doc.on('update', (update: Uint8Array) => updates.push(update));
	return { doc, updates };
}

const entriesOf = (docName: string, updates: Uint8Array[]) => updates.map((update) => ({ docName, update }));

async function loadDoc(store: YjsStore, docName: string): Promise<Y.Doc> {
	const loaded = await store.load(docName);
	const doc = new Y.Doc();
	if (loaded) Y.applyUpdate(doc, loaded.state);
	return doc;
}

/**
 * What every YjsStore promises (yjs-store.ts), as one suite run against each implementation
 * (CONVENTIONS §17, after tldraw sync-core's storageContractSuite): yjs-store.spec.ts runs it on
 * the in-memory store and on PostgreSQL. Tests about one implementation's insides stay beside it.
 * Every test works on documents of its own, so one store serves the whole suite.
 */
export function yjsStoreContractSuite(name: string, open: () => Promise<YjsStoreUnderTest>): void {
	describe(`YjsStore contract: ${name}`, () => {
		let subject: YjsStoreUnderTest;
		let store: YjsStore;

		beforeAll(async () => {
			subject = await open();
			store = subject.store;
		});

		afterAll(async () => {
			await subject?.dispose();
		});

		it('loads null for a document never stored, also after an empty append', async () => {
			const docName = `agenda:${newId()}`;
			expect(await store.load(docName)).toBeNull();
			await store.append([]);
			expect(await store.load(docName)).toBeNull();
			expect(await store.compact(docName)).toBe(0);
			expect(await store.load(docName)).toBeNull();
		});

		it('loads the appended updates as one state, with the number of log rows in it', async () => {
			const docName = `document:${newId()}`;
			const w = writer(1);
			w.doc.getText('t').insert(0, 'uno');
			w.doc.getText('t').insert(3, ' due');
			await store.append(entriesOf(docName, w.updates.splice(0)));
			const loaded = await store.load(docName);
			expect(loaded?.tailRows).toBe(2);
			const doc = new Y.Doc();
			Y.applyUpdate(doc, loaded!.state);
			expect(doc.getText('t').toString()).toBe('uno due');
		});

		it('compacts the log into the snapshot, reports the rows it folded, and keeps later appends as the new tail', async () => {
			const docName = `agenda:${newId()}`;
			const w = writer(2);
			w.doc.getText('t').insert(0, 'uno');
			w.doc.getText('t').insert(3, ' due');
			await store.append(entriesOf(docName, w.updates.splice(0)));

			expect(await store.compact(docName)).toBe(2);
			expect(await store.compact(docName)).toBe(0);
			expect((await store.load(docName))?.tailRows).toBe(0);
			expect((await loadDoc(store, docName)).getText('t').toString()).toBe('uno due');

			w.doc.getText('t').insert(7, ' tre');
			await store.append(entriesOf(docName, w.updates.splice(0)));
			expect((await store.load(docName))?.tailRows).toBe(1);
			expect((await loadDoc(store, docName)).getText('t').toString()).toBe('uno due tre');
			expect(await store.compact(docName)).toBe(1);
			expect((await loadDoc(store, docName)).getText('t').toString()).toBe('uno due tre');
		});

		it('keeps deletions, a delete-only update included, through load and compaction', async () => {
			const docName = `document:${newId()}`;
			const w = writer(3);
			w.doc.getText('t').insert(0, 'abcdef');
			await store.append(entriesOf(docName, w.updates.splice(0)));
			await store.compact(docName);
			// Deleting advances no clock: only the update's delete set says it happened.
			w.doc.getText('t').delete(1, 2);
			await store.append(entriesOf(docName, w.updates.splice(0)));
			expect((await loadDoc(store, docName)).getText('t').toString()).toBe('adef');
			await store.compact(docName);
			expect((await loadDoc(store, docName)).getText('t').toString()).toBe('adef');
		});

		it('appends many documents in one call and keeps each document’s rows apart', async () => {
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
			expect((await store.load(names[0]))?.tailRows).toBe(2);
			expect((await store.load(names[1]))?.tailRows).toBe(1);
			expect((await loadDoc(store, names[0])).getText('t').toString()).toBe('a1a2');
			expect((await loadDoc(store, names[1])).getText('t').toString()).toBe('b1');

			// Compacting one document leaves the other's log alone.
			expect(await store.compact(names[0])).toBe(2);
			expect((await store.load(names[1]))?.tailRows).toBe(1);
		});

		it('loses nothing when compactions run during concurrent appends', async () => {
			const docName = `document:${newId()}`;
			const writers = [writer(11), writer(12), writer(13)];
			const appends: Promise<void>[] = [];
			const compactions: Promise<number>[] = [];
			for (let round = 0; round < 40; round++) {
				for (const [i, w] of writers.entries()) {
					w.doc.getArray('log').push([`${i}:${round}`]);
					appends.push(store.append(entriesOf(docName, w.updates.splice(0))));
				}
				if (round % 5 === 0) compactions.push(store.compact(docName));
			}
			await Promise.all(appends);
			const folded = await Promise.all(compactions);
			const loaded = await store.load(docName);
			// Every row is either still in the log or was folded by exactly one compaction.
			expect(loaded!.tailRows + folded.reduce((sum, n) => sum + n, 0)).toBe(120);
			const doc = new Y.Doc();
			Y.applyUpdate(doc, loaded!.state);
			const entries = doc.getArray<string>('log').toArray();
			expect(entries).toHaveLength(120);
			for (let i = 0; i < 3; i++) {
				for (let round = 0; round < 40; round++) expect(entries).toContain(`${i}:${round}`);
			}
			// And once more after a final compaction: every row folded, nothing dropped.
			await store.compact(docName);
			expect((await loadDoc(store, docName)).getArray('log').length).toBe(120);
			expect((await store.load(docName))!.tailRows).toBe(0);
		});

		it('keeps what it stored when the caller reuses its buffers', async () => {
			const docName = `agenda:${newId()}`;
			const w = writer(4);
			w.doc.getText('t').insert(0, 'intatto');
			const update = w.updates[0];
			await store.append([{ docName, update }]);
			update.fill(0);
			const loaded = await store.load(docName);
			loaded!.state.fill(0);
			expect((await loadDoc(store, docName)).getText('t').toString()).toBe('intatto');
		});
	});
}
