import type { Db } from '../db/connect.ts';
import { getAppContext } from '../app-context.ts';
import type { LiveDocuments } from '../live-documents.ts';

/** What document services need: the database and the /yjs endpoint holding unsaved edits. */
export interface DocumentDeps {
	db: Db;
	/** Absent when no /yjs endpoint runs in this process (scripts, unit tests). */
	live?: LiveDocuments;
}

/** The app's database and its running /yjs endpoint, for routes and page actions. */
export function documentDeps(): DocumentDeps {
	const { db, liveDocuments } = getAppContext();
	return { db, live: liveDocuments };
}
