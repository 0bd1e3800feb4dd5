import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DatabaseHandle, Db } from './db/connect.ts';
import type { SessionStore } from './auth/sessions.ts';
import type { LoginLimiter, RequestLimiter } from './auth/login-limiter.ts';
import type { MembershipChange } from './tables/service.ts';
import type { MeetingBroadcaster } from './live/broadcaster.ts';
import type { Mailer } from './mail/mailer.ts';
import type { VoteBatcher } from './polls/vote-batcher.ts';
import type { Cluster } from '../../../server/cluster/cluster.ts';

/**
 * What the SvelteKit app needs from the process that hosts it: built once by the Node entry
 * (server/app.ts) or by the dev plugin, before the first request.
 *
 * The SvelteKit bundle and server/ are two module graphs, so they cannot share a module-level
 * variable; the one hand-over point is a well-known symbol on globalThis, set once per process.
 */
export interface AppContext {
	db: Db;
	database: DatabaseHandle;
	sessions: SessionStore;
	loginLimiter: LoginLimiter;
	apiLimiter: RequestLimiter;
	logger: Logger;
	metrics: Registry;
	/** The public URL (ORIGIN), or undefined to accept the host each request came to. */
	origin: string | undefined;
	secureCookies: boolean;
	invitationDays: number;
	maxJsonBytes: number;
	/** Membership changes and removals, so live connections can be closed or made read-only. */
	membershipChanges: MembershipChanges;
	/** Ids of sessions that ended (logout): their live connections are closed at once. */
	sessionEnds: Events<string>;
	/** Names of Yjs documents whose status changed: open connections are re-decided. */
	documentStatusChanges: Events<string>;
	/** With REDIS_URL: the other nodes (these events reach them too). */
	cluster?: Cluster;
	/** The process's vote batches (group commit per poll), shared by `poll:vote` and the HTTP API. */
	votes?: VoteBatcher;
	/** The live meeting rooms (socket.io), set by server/app.ts once the socket server exists. */
	broadcaster?: MeetingBroadcaster;
	/** The Yjs documents open in this process, set by server/realtime.ts with the /yjs endpoint. */
	liveDocuments?: LiveDocuments;
	/** The process's Redis client when REDIS_URL is set (closed by server/app.ts). */
	redis?: import('ioredis').Redis;
	/** Outgoing e-mail (SMTP_URL, or the log without it); absent where nothing sends mail. */
	mailer?: Mailer;
}

/** What document services ask of the /yjs endpoint, which holds unsaved edits in memory. */
export interface LiveDocuments {
	/** Commits every applied update, so the database holds what open editors show. */
	flush(): Promise<void>;
	/** A document's status changed: open connections are re-decided (a final one turns read-only). */
	documentStatusChanged(docName: string): Promise<void>;
}

/** A synchronous in-process event stream: services emit, the realtime endpoints listen. */
export interface Events<T> {
	emit(event: T): void;
	subscribe(listener: (event: T) => void): () => void;
}

export type MembershipChanges = Events<MembershipChange>;

export function createEvents<T>(): Events<T> {
	const listeners = new Set<(event: T) => void>();
	return {
		emit(event) {
			for (const listener of listeners) listener(event);
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		}
	};
}

const key = Symbol.for('tavolo.app-context');
type Holder = { [key]?: AppContext };

export function setAppContext(context: AppContext | undefined): void {
	(globalThis as Holder)[key] = context;
}

export function getAppContext(): AppContext {
	const context = (globalThis as Holder)[key];
	if (!context) throw new Error('Tavolo app context is not set: start the app with server/main.ts or `npm run dev`');
	return context;
}
