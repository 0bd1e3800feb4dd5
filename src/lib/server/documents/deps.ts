import type { Db } from '../db/connect.ts';
import { getAppContext } from '../app-context.ts';
import type { LiveDocuments } from '../live-documents.ts';
import type { HeavyWork } from '../heavy-work.ts';
import type { MeetingBroadcaster } from '../live/broadcaster.ts';
import type { NotificationDeps } from '../notifications/service.ts';
import { notificationDeps } from '../notifications/deps.ts';

/** What document services need: the database and the /yjs endpoint holding unsaved edits. */
export interface DocumentDeps {
	db: Db;
	/** Absent when no /yjs endpoint runs in this process (scripts, unit tests). */
	live?: LiveDocuments;
	/** Diffs and exports off the event loop. */
	heavy: HeavyWork;
	/** Tells the table's open pages of a new status or version; absent in scripts. */
	broadcaster?: Pick<MeetingBroadcaster, 'toTable'>;
	/** Tells people of a document sent to review or made final; absent in scripts. */
	notifications?: NotificationDeps;
}

/**
 * The app's database and its running /yjs endpoint, for routes and page actions. Given the
 * request's origin (for links in mails when ORIGIN is not set), status changes notify people.
 */
export function documentDeps(requestOrigin?: string): DocumentDeps {
	const { db, liveDocuments, heavyWork, broadcaster } = getAppContext();
	return {
		db,
		live: liveDocuments,
		heavy: heavyWork,
		broadcaster,
		...(requestOrigin ? { notifications: notificationDeps(requestOrigin) } : {})
	};
}
