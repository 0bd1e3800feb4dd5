import type { Logger } from 'pino';
import type { Db } from '../db/connect.ts';
import type { LiveDocuments } from '../live-documents.ts';
import type { VoteBatcher } from '../polls/vote-batcher.ts';
import type { MeetingBroadcaster } from './broadcaster.ts';

/** What a live service needs: the database, a logger, the meeting rooms, the vote batches and the /yjs endpoint. */
export interface LiveDeps {
	db: Db;
	logger: Pick<Logger, 'error' | 'warn'>;
	broadcaster: MeetingBroadcaster;
	/** Writes votes in batches per poll. */
	votes: VoteBatcher;
	/** Holds agenda notes typed a moment ago: committed before the minutes are drafted. */
	liveDocuments: LiveDocuments;
}
