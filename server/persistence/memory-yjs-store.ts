import { foldUpdates } from '../../src/lib/server/documents/yjs-state.ts';
import type { YjsStore } from './yjs-store.ts';

interface StoredDocument {
	snapshot: Uint8Array | null;
	log: Uint8Array[];
}

/**
 * The YjsStore in process memory: same contract as the PostgreSQL store (yjs-store.contract.ts),
 * for room tests and benchmarks that should not measure a database. Nothing survives the process.
 * Each call completes in one synchronous step, so a compaction can never interleave with an append:
 * the rows it folds are exactly the rows it removes, as under the PostgreSQL advisory lock.
 */
export function createMemoryYjsStore(): YjsStore {
	const documents = new Map<string, StoredDocument>();

	return {
		async load(docName) {
			const stored = documents.get(docName);
			if (!stored) return null;
			const parts = stored.snapshot ? [stored.snapshot, ...stored.log] : [...stored.log];
			// A copy even when nothing needs folding: the caller may not reach into the store.
			return { state: parts.length === 1 ? parts[0].slice() : foldUpdates(parts), tailRows: stored.log.length };
		},

		async append(entries) {
			for (const { docName, update } of entries) {
				let stored = documents.get(docName);
				if (!stored) {
					stored = { snapshot: null, log: [] };
					documents.set(docName, stored);
				}
				// Copied, as a database would: the caller's buffer may be reused after the call.
				stored.log.push(update.slice());
			}
		},

		async compact(docName) {
			const stored = documents.get(docName);
			if (!stored || stored.log.length === 0) return 0;
			const folded = stored.log;
			stored.snapshot = foldUpdates(stored.snapshot ? [stored.snapshot, ...folded] : folded);
			stored.log = [];
			return folded.length;
		}
	};
}
