import { CompiledQuery, sql } from 'kysely';
import type { Db } from '../../src/lib/server/db/connect.ts';
import { foldUpdates } from '../../src/lib/server/documents/yjs-state.ts';
import type { YjsStore } from './yjs-store.ts';

/**
 * PostgreSQL rows per INSERT statement: PostgreSQL takes at most 65,535 bind parameters per
 * statement and each row binds two. A flush bigger than this (only after a long outage) is split
 * into several statements inside one transaction.
 */
const rowsPerStatement = 5000;

/** Row counts whose INSERT text a store keeps (see `insertText` in createPostgresYjsStore). */
const cachedInsertRows = 64;

/** The INSERT of `rows` update rows, as SQL text. */
function buildInsert(rows: number): string {
	const values = Array.from({ length: rows }, (_, i) => `($${2 * i + 1}, $${2 * i + 2})`);
	return `insert into "yjs_updates" ("doc_name", "update") values ${values.join(', ')}`;
}

/** Byte arrays as node-postgres and PGlite both bind them as bytea. */
const asBytea = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
/** node-postgres hands back Buffers cut from a shared pool; Yjs gets a plain copy. */
const fromBytea = (bytes: Uint8Array) => new Uint8Array(bytes);

/** The YjsStore on the app's kysely database: the same code on PGlite and on PostgreSQL. */
export function createPostgresYjsStore(db: Db): YjsStore {
	/**
	 * The group commit runs one INSERT per window, most often of a handful of rows: the text of
	 * the common sizes is kept, so a commit skips kysely's query builder and compiler (CPU paid
	 * once per commit, and at a typist's pace every keystroke is its own commit).
	 */
	const insertTexts = new Map<number, string>();
	function insertText(rows: number): string {
		let text = insertTexts.get(rows);
		if (text) return text;
		text = buildInsert(rows);
		if (rows <= cachedInsertRows) insertTexts.set(rows, text);
		return text;
	}

	return {
		async load(docName) {
			// The log is read before the snapshot, without a transaction: a compaction that commits
			// in between has put every row it deleted into the snapshot read second, and merging
			// an update twice is harmless. The other order could miss the folded rows.
			const rows = await db.selectFrom('yjs_updates').select('update').where('doc_name', '=', docName).orderBy('id').execute();
			const snapshot = await db.selectFrom('yjs_snapshots').select('state').where('doc_name', '=', docName).executeTakeFirst();
			if (!snapshot && rows.length === 0) return null;
			const parts = rows.map((row) => fromBytea(row.update));
			if (snapshot) parts.unshift(fromBytea(snapshot.state));
			return { state: foldUpdates(parts), tailRows: rows.length };
		},

		async append(entries) {
			if (entries.length === 0) return;
			if (entries.length <= rowsPerStatement) {
				const parameters: unknown[] = [];
				for (const entry of entries) parameters.push(entry.docName, asBytea(entry.update));
				await db.executeQuery(CompiledQuery.raw(insertText(entries.length), parameters));
				return;
			}
			const rows = entries.map((entry) => ({ doc_name: entry.docName, update: asBytea(entry.update) }));
			await db.transaction().execute(async (trx) => {
				for (let start = 0; start < rows.length; start += rowsPerStatement) {
					await trx
						.insertInto('yjs_updates')
						.values(rows.slice(start, start + rowsPerStatement))
						.execute();
				}
			});
		},

		async compact(docName) {
			return db.transaction().execute(async (trx) => {
				// One compaction per document at a time, across processes too.
				await sql`select pg_advisory_xact_lock(hashtext(${docName}))`.execute(trx);
				// DELETE … RETURNING takes exactly the rows it removes, so it folds no more and no
				// fewer than it deletes: a row committed by a concurrent append after this statement
				// is neither folded nor deleted. A failure below rolls the deletion back.
				const folded = await trx.deleteFrom('yjs_updates').where('doc_name', '=', docName).returning(['id', 'update']).execute();
				if (folded.length === 0) return 0;
				folded.sort((a, b) => Number(a.id) - Number(b.id));
				const snapshot = await trx.selectFrom('yjs_snapshots').select('state').where('doc_name', '=', docName).executeTakeFirst();
				const parts = folded.map((row) => fromBytea(row.update));
				if (snapshot) parts.unshift(fromBytea(snapshot.state));
				const state = foldUpdates(parts);
				const lastUpdateId = Number(folded[folded.length - 1].id);
				await trx
					.insertInto('yjs_snapshots')
					.values({ doc_name: docName, state: asBytea(state), last_update_id: lastUpdateId, updated_at: new Date() })
					.onConflict((oc) =>
						oc.column('doc_name').doUpdateSet({
							state: asBytea(state),
							last_update_id: sql<number>`greatest(yjs_snapshots.last_update_id, ${lastUpdateId})`,
							updated_at: new Date()
						})
					)
					.execute();
				return folded.length;
			});
		}
	};
}
