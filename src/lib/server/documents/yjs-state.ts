import * as Y from 'yjs';
import type { Db } from '../db/connect.ts';

/** node-postgres hands back Buffers cut from a shared pool; Yjs gets a plain copy. */
export const fromBytea = (bytes: Uint8Array) => new Uint8Array(bytes);
export const asBytea = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Stored updates (snapshot first, then log rows in id order) as one update. Applied in one
 * transaction to a scratch document, not `Y.mergeUpdates`: merging is superlinear in the number of
 * updates (10,000 keystroke rows took some 2 s, against 40 ms applied), and a document encodes
 * adjacent keystrokes as one item, so the result is also about 4× smaller. `gc: false` keeps
 * deleted content, as a merge does; updates missing a dependency stay in the result as pending.
 */
export function foldUpdates(parts: Uint8Array[]): Uint8Array {
	if (parts.length === 1) return parts[0];
	const doc = new Y.Doc({ gc: false });
	doc.transact(() => {
		for (const part of parts) Y.applyUpdate(doc, part);
	});
	const state = Y.encodeStateAsUpdate(doc);
	doc.destroy();
	return state;
}

/**
 * The committed state of a Yjs document: its compacted snapshot merged with every log row, the
 * same reading as server/persistence/postgres-yjs-store.ts `load` (log first, then snapshot, so
 * a compaction in between cannot hide rows). Edits still in the /yjs endpoint's memory are not
 * here: call `liveDocuments.flush()` first. A document never written is an empty state.
 */
export async function loadDocumentState(db: Db, docName: string): Promise<Uint8Array> {
	const parts = await loadDocumentUpdates(db, docName);
	if (parts.length === 0) return Y.encodeStateAsUpdate(new Y.Doc());
	return foldUpdates(parts);
}

/**
 * The stored updates of a Yjs document, unfolded (snapshot first, then the log; none for a
 * document never written), for a worker thread to fold: folding a long draft takes a while.
 */
export async function loadDocumentUpdates(db: Db, docName: string): Promise<Uint8Array[]> {
	const rows = await db.selectFrom('yjs_updates').select('update').where('doc_name', '=', docName).orderBy('id').execute();
	const snapshot = await db.selectFrom('yjs_snapshots').select('state').where('doc_name', '=', docName).executeTakeFirst();
	const parts = rows.map((row) => fromBytea(row.update));
	if (snapshot) parts.unshift(fromBytea(snapshot.state));
	return parts;
}

/** Gives a document that nobody has opened yet its first state (a restored version). */
export async function seedDocumentState(db: Db, docName: string, state: Uint8Array): Promise<void> {
	await db
		.insertInto('yjs_updates')
		.values({ doc_name: docName, update: asBytea(state) })
		.execute();
}
