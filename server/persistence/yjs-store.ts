/**
 * Where Yjs documents live between loads (CONVENTIONS §11, after tldraw's TLSyncStorage): an
 * append-only log of updates per document, folded into one snapshot by compaction. The sync
 * endpoint only talks to this interface, so tests and benchmarks can swap or wrap it.
 */
export interface YjsStore {
	/**
	 * The document's whole persisted state as one update (snapshot merged with the log), or null
	 * when nothing was ever stored. `tailRows` is how many log rows were merged in, so the caller
	 * knows when the log is due for compaction.
	 */
	load(docName: string): Promise<{ state: Uint8Array; tailRows: number } | null>;
	/** Appends updates, in order, in one statement (one group commit for many documents). */
	append(entries: ReadonlyArray<YjsLogEntry>): Promise<void>;
	/**
	 * Folds the document's log into its snapshot and deletes exactly the rows it folded; rows
	 * appended meanwhile stay. Returns how many rows were folded (0: nothing to do).
	 */
	compact(docName: string): Promise<number>;
}

export interface YjsLogEntry {
	docName: string;
	update: Uint8Array;
}
