import type http from 'node:http';
import type * as Y from 'yjs';
import type { MeetingBroadcaster } from '../src/lib/server/live/broadcaster.ts';
import type { LiveDocuments } from '../src/lib/server/live-documents.ts';
import type { Services } from './context.ts';
import type { UpgradeRoute } from './http-server.ts';
import { createSocketServer } from './sockets/socket-server.ts';
import { authenticateUpgrade } from './upgrade-auth.ts';
import { createSyncEndpoint, type SyncEndpoint } from './yjs/sync-endpoint.ts';

export interface Realtime {
	yjs: SyncEndpoint;
	/** The live meeting rooms, for services that change live state over HTTP. */
	broadcaster: MeetingBroadcaster;
	/** The Yjs documents open in this process (and, with REDIS_URL, on the other nodes). */
	liveDocuments: LiveDocuments;
	/** The upgrade paths this owns: /yjs/ and /socket.io/. */
	routes: UpgradeRoute[];
	/** Starts taking socket.io upgrades on the server that serves the app (ours, or Vite's). */
	attach(httpServer: http.Server): void;
	/** Commits the last Yjs updates and closes every socket; the database must still be open. */
	close(): Promise<void>;
}

/** The two realtime endpoints, the Yjs sync endpoint and socket.io, built on the process services. */
export function createRealtime(services: Services): Realtime {
	const { config, logger, cluster } = services;
	const authenticate = (req: http.IncomingMessage) => authenticateUpgrade({ origin: config.origin, sessions: services.sessions }, req);
	const yjs = createSyncEndpoint({
		db: services.database.db,
		logger,
		metrics: services.metrics,
		membershipChanges: services.membershipChanges,
		sessionEnds: services.sessionEnds,
		limits: config.limits,
		commitMaxBatch: config.limits.yjsCommitMaxBatch,
		authenticate,
		relay: cluster?.relay,
		resyncIntervalMs: config.limits.yjsResyncSeconds * 1000
	});
	// A status change reaches every node's connections through the event (emitted on every node);
	// the node that made it waits for its own re-decision, so its caller sees the result.
	const revalidations = new Map<string, Promise<void>>();
	const unsubscribeStatus = services.documentStatusChanges.subscribe((docName) => {
		const work = yjs
			.revalidate(docName)
			.catch((error: unknown) => logger.error({ err: error, docName }, 'yjs revalidation failed'))
			.finally(() => {
				if (revalidations.get(docName) === work) revalidations.delete(docName);
			});
		revalidations.set(docName, work);
	});
	// Another node's unsaved updates (at most TAVOLO_YJS_COMMIT_DELAY_MS old) are committed too
	// before a version, an export or the minutes read the database.
	cluster?.onFlushRequest(() => yjs.flushAll());
	const liveDocuments: LiveDocuments = {
		async flush() {
			await Promise.all([yjs.flushAll(), cluster?.flushOthers()]);
		},
		async documentStatusChanged(docName) {
			services.documentStatusChanges.emit(docName);
			await revalidations.get(docName);
		},
		async transact<T>(docName: string, origin: object, change: (doc: Y.Doc) => T): Promise<T> {
			// A node that opens the document from the database first has the others commit theirs.
			await cluster?.flushOthers();
			return yjs.transact(docName, origin, change);
		}
	};
	const sockets = createSocketServer({
		deps: { db: services.database.db, votes: services.votes, liveDocuments },
		logger,
		metrics: services.metrics,
		authenticate,
		membershipChanges: services.membershipChanges,
		sessionEnds: services.sessionEnds,
		cluster,
		recoverySeconds: config.limits.socketRecoverySeconds,
		commandsPerSecond: config.limits.socketCommandsPerSecond,
		checkInsPerMeeting: config.limits.checkInsPerMeeting,
		connectionsPerUser: config.limits.socketConnectionsPerUser
	});
	return {
		yjs,
		broadcaster: sockets.broadcaster,
		liveDocuments,
		routes: [yjs.route, sockets.route],
		attach: (httpServer) => sockets.attach(httpServer),
		async close() {
			// First: it closes the /yjs sockets (the HTTP server waits for them) and commits the
			// last Yjs updates, which needs the database still open.
			unsubscribeStatus();
			await yjs.close();
			// With REDIS_URL the adapter announces its departure over Redis; while Redis is away
			// that waits for it, so the wait is bounded (the sockets themselves close at once).
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, 2_000);
				timer.unref();
				sockets.io.close(() => {
					clearTimeout(timer);
					resolve();
				});
			});
			await sockets.settled();
		}
	};
}
