import type * as Y from 'yjs';

/**
 * What services ask of the /yjs endpoint (server/yjs/), which holds edits in memory until its
 * group commit: the HTTP API, the socket handlers and the reminders all reach it through this.
 */
export interface LiveDocuments {
	/** Commits every applied update (on every node), so the database holds what open editors show. */
	flush(): Promise<void>;
	/** A document's status (or an agenda's meeting status) changed: open connections are re-decided (a final one turns read-only). */
	documentStatusChanged(docName: string): Promise<void>;
	/**
	 * Runs `change` on the live document as ONE Yjs transaction with `origin` (the server's own
	 * edit, such as an accepted amendment): on the document open in this process, or opened from
	 * the database (after the other nodes committed theirs) if nobody here has it open. What it
	 * writes reaches every connection on every node and is committed before this resolves.
	 * `change` may also only read: then nothing is written.
	 */
	transact<T>(docName: string, origin: object, change: (doc: Y.Doc) => T): Promise<T>;
}

/** A process with no /yjs endpoint (a script, a service test) holds no unsaved edits, and edits nothing live. */
export const noLiveDocuments: LiveDocuments = {
	flush: async () => {},
	documentStatusChanged: async () => {},
	transact: async () => {
		throw new Error('no /yjs endpoint runs in this process: live documents cannot be changed');
	}
};
