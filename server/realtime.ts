import type http from 'node:http';
import type { AppContext } from '../src/lib/server/app-context.ts';
import type { Config } from './config.ts';
import type { UpgradeRoute } from './http-server.ts';
import { createSocketServer } from './sockets/socket-server.ts';
import { authenticateUpgrade } from './upgrade-auth.ts';
import { createSyncEndpoint, type SyncEndpoint } from './yjs/sync-endpoint.ts';

export interface Realtime {
	yjs: SyncEndpoint;
	/** The upgrade paths this owns: /yjs/ and /socket.io/. */
	routes: UpgradeRoute[];
	/** Commits the last Yjs updates and closes every socket; the database must still be open. */
	close(): Promise<void>;
}

/**
 * The two realtime endpoints on one HTTP server (ours in production, Vite's in development):
 * the Yjs sync endpoint and socket.io, whose broadcaster the services reach through the context.
 */
export function attachRealtime(options: { context: AppContext; config: Config; httpServer: http.Server }): Realtime {
	const { context, config, httpServer } = options;
	const yjs = createSyncEndpoint({
		db: context.db,
		logger: context.logger,
		metrics: context.metrics,
		membershipChanges: context.membershipChanges,
		sessionEnds: context.sessionEnds,
		limits: config.limits,
		authenticate: (req) => authenticateUpgrade(context, req),
		relay: context.cluster?.relay,
		resyncIntervalMs: config.limits.yjsResyncSeconds * 1000
	});
	const sockets = createSocketServer({ context, httpServer, recoverySeconds: config.limits.socketRecoverySeconds });
	context.broadcaster = sockets.broadcaster;
	// A status change reaches every node's connections through the event (emitted on every node);
	// the node that made it waits for its own re-decision, so its caller sees the result.
	const revalidations = new Map<string, Promise<void>>();
	const unsubscribeStatus = context.documentStatusChanges.subscribe((docName) => {
		const work = yjs
			.revalidate(docName)
			.catch((error: unknown) => context.logger.error({ err: error, docName }, 'yjs revalidation failed'))
			.finally(() => {
				if (revalidations.get(docName) === work) revalidations.delete(docName);
			});
		revalidations.set(docName, work);
	});
	// Another node's unsaved updates (at most TAVOLO_YJS_COMMIT_DELAY_MS old) are committed too
	// before a version, an export or the minutes read the database.
	context.cluster?.onFlushRequest(() => yjs.flushAll());
	context.liveDocuments = {
		async flush() {
			await Promise.all([yjs.flushAll(), context.cluster?.flushOthers()]);
		},
		async documentStatusChanged(docName) {
			context.documentStatusChanges.emit(docName);
			await revalidations.get(docName);
		}
	};
	return {
		yjs,
		routes: [yjs.route, sockets.route],
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
