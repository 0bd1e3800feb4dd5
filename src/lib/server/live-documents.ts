/**
 * What services ask of the /yjs endpoint (server/yjs/), which holds edits in memory until its
 * group commit: the HTTP API, the socket handlers and the reminders all reach it through this.
 */
export interface LiveDocuments {
	/** Commits every applied update (on every node), so the database holds what open editors show. */
	flush(): Promise<void>;
	/** A document's status (or an agenda's meeting status) changed: open connections are re-decided (a final one turns read-only). */
	documentStatusChanged(docName: string): Promise<void>;
}

/** A process with no /yjs endpoint (a script, a service test) holds no unsaved edits. */
export const noLiveDocuments: LiveDocuments = {
	flush: async () => {},
	documentStatusChanged: async () => {}
};
