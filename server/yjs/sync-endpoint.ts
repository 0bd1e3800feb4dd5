import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type * as Y from 'yjs';
import type { Db } from '../../src/lib/server/db/connect.ts';
import type { Events, MembershipChanges } from '../../src/lib/server/events.ts';
import type { SessionUser } from '../../src/lib/server/auth/sessions.ts';
import { decideDocAccess, findDocTarget, resolveDocAccess, type DocAccess, type DocTarget } from '../../src/lib/server/authz/access.ts';
import { isAppError } from '../../src/lib/server/errors.ts';
import { wantsTavoloNotices, yjsCloseCodes } from '../../src/lib/realtime/yjs-messages.ts';
import { refuseUpgrade, type UpgradeRoute } from '../http-server.ts';
import type { UpgradeAuth } from '../upgrade-auth.ts';
import { createCommitScheduler } from '../persistence/commit-scheduler.ts';
import { createPostgresYjsStore } from '../persistence/postgres-yjs-store.ts';
import type { YjsStore } from '../persistence/yjs-store.ts';
import { createConnection } from './connection.ts';
import { DocRoom } from './doc-room.ts';
import type { YjsLimits } from './limits.ts';
import { createYjsMetrics } from './yjs-metrics.ts';
import type { DocRelay } from '../cluster/cluster.ts';

export interface SyncEndpointOptions {
	db: Db;
	logger: Logger;
	metrics: Registry;
	membershipChanges: MembershipChanges;
	/** Ids of sessions that ended; their connections close with 4401. */
	sessionEnds: Events<string>;
	limits: YjsLimits;
	/** Origin + session check of the upgrade request (server/upgrade-auth.ts). */
	authenticate(request: IncomingMessage): Promise<UpgradeAuth>;
	/** TAVOLO_YJS_COMMIT_MAX_BATCH: pending updates that commit before the window closes (default: none). */
	commitMaxBatch?: number;
	/** Defaults to the PostgreSQL store on `db`; tests wrap it to simulate an outage. */
	store?: YjsStore;
	/** Keepalive: a connection that misses one ping period is dropped (the stock server's 30 s). */
	pingIntervalMs?: number;
	/** How long close() keeps retrying the final commit while the database fails. */
	shutdownFlushMs?: number;
	/** With REDIS_URL: updates and awareness relayed to and from the other nodes. */
	relay?: DocRelay;
	/** With a relay: every open document is also resynced from PostgreSQL this often (0: never). */
	resyncIntervalMs?: number;
}

export interface SyncEndpointStats {
	documents: number;
	connections: number;
	/** Applied updates not yet committed. */
	unsavedDocuments: number;
}

export interface SyncEndpoint {
	/** Handles upgrades on /yjs/<docName>. */
	route: UpgradeRoute;
	/** Commits every applied update now; rejects when the database refuses (retried later). */
	flushAll(): Promise<void>;
	/** Re-checks every connection on one document (after its status changed, e.g. to final, or its meeting went live). */
	revalidate(docName: string): Promise<void>;
	/** The server's own edit of a live document: LiveDocuments.transact (src/lib/server/live-documents.ts). */
	transact<T>(docName: string, origin: object, change: (doc: Y.Doc) => T): Promise<T>;
	/** Refuses new upgrades, closes connections (1001), commits what is left, leaves memory. */
	close(): Promise<void>;
	stats(): SyncEndpointStats;
}

const prefix = '/yjs/';

/** `/yjs/agenda%3Aabc?x=1` → `agenda:abc`; null when the path is not a decodable name. */
function docNameFromUrl(url: string | undefined): string | null {
	const path = (url ?? '').split('?')[0];
	if (!path.startsWith(prefix)) return null;
	try {
		return decodeURIComponent(path.slice(prefix.length));
	} catch {
		return null;
	}
}

function asBytes(data: RawData): Uint8Array {
	if (Array.isArray(data)) return Buffer.concat(data);
	if (data instanceof ArrayBuffer) return new Uint8Array(data);
	return data;
}

/**
 * The Yjs sync endpoint: the standard y-websocket protocol (so the stock WebsocketProvider works)
 * with authentication and authorization before the upgrade, read-only connections, limits from
 * config, and PostgreSQL persistence by group commit. See server/yjs/README.md.
 */
export function createSyncEndpoint(options: SyncEndpointOptions): SyncEndpoint {
	const { db, logger, limits } = options;
	const log = logger.child({ component: 'yjs' });
	const metrics = createYjsMetrics(options.metrics);
	const store = options.store ?? createPostgresYjsStore(db);
	const scheduler = createCommitScheduler<Y.Snapshot>({
		store,
		delayMs: limits.yjsCommitDelayMs,
		maxBatch: options.commitMaxBatch,
		logger: log,
		observer: {
			committed: (_rows, seconds) => metrics.flushSeconds.observe(seconds),
			failed: () => metrics.flushFailures.inc()
		}
	});
	// maxPayload: a larger frame is refused by ws itself with close code 1009.
	const wss = new WebSocketServer({ noServer: true, maxPayload: limits.yjsMaxFrameBytes, perMessageDeflate: false });
	const rooms = new Map<string, DocRoom>();
	const background = new Set<Promise<unknown>>();
	let shuttingDown = false;

	function track(work: Promise<unknown>) {
		background.add(work);
		void work.finally(() => background.delete(work));
	}

	function roomFor(docName: string, access: DocTarget): DocRoom {
		const existing = rooms.get(docName);
		if (existing && !existing.isGone) {
			existing.documentStatus = access.documentStatus;
			existing.meetingStatus = access.meetingStatus;
			return existing;
		}
		const room = new DocRoom({
			docName,
			ref: access.ref,
			tableId: access.tableId,
			documentStatus: access.documentStatus,
			meetingStatus: access.meetingStatus,
			store,
			scheduler,
			limits,
			logger: log,
			metrics,
			isShuttingDown: () => shuttingDown,
			onGone: (gone) => {
				if (rooms.get(gone.docName) === gone) rooms.delete(gone.docName);
			},
			track,
			relay: options.relay
		});
		rooms.set(docName, room);
		track(room.load());
		return room;
	}

	function connect(
		socket: WebSocket,
		user: SessionUser,
		sessionId: string,
		docName: string,
		access: Extract<DocAccess, { ok: true }>,
		notices: boolean
	) {
		const room = roomFor(docName, access);
		const conn = createConnection(socket, user, sessionId, access.readOnly, access.reason, access.mayRecover, access.mayReshape, notices);
		socket.on('message', (data: RawData, isBinary: boolean) => {
			if (!isBinary) return room.close(conn, yjsCloseCodes.badMessage, 'text_frame');
			room.receive(conn, asBytes(data));
		});
		socket.on('close', () => room.leave(conn));
		socket.on('error', (error: Error) => {
			// ws closes the socket itself (1009 for a frame over maxPayload, 1002 for protocol errors).
			log.warn({ err: error, docName, userId: user.id }, 'yjs socket error');
		});
		socket.on('pong', () => {
			conn.alive = true;
		});
		room.join(conn);
	}

	async function admit(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
		if (shuttingDown) return refuseUpgrade(socket, 503, 'shutting_down');
		const auth = await options.authenticate(request);
		if (!auth.ok) return refuseUpgrade(socket, auth.status, auth.reason);
		const docName = docNameFromUrl(request.url);
		if (!docName) return refuseUpgrade(socket, 404, 'not_found');
		let access: DocAccess;
		try {
			access = await resolveDocAccess(db, auth.user, docName);
		} catch (error) {
			// The table went away between the two queries.
			if (isAppError(error) && error.code === 'not_found') return refuseUpgrade(socket, 404, 'not_found');
			throw error;
		}
		if (!access.ok) return refuseUpgrade(socket, access.status, access.reason);
		if (shuttingDown) return refuseUpgrade(socket, 503, 'shutting_down');
		if (socket.destroyed) return;
		const granted = access;
		wss.handleUpgrade(request, socket, head, (ws) =>
			connect(ws, auth.user, auth.sessionId, docName, granted, wantsTavoloNotices(request.url))
		);
	}

	const unsubscribe = options.membershipChanges.subscribe((change) => {
		for (const room of rooms.values()) {
			if (room.tableId !== change.tableId) continue;
			for (const conn of room.connectionsOf(change.userId)) {
				const decision = decideDocAccess(
					{ isAdmin: conn.user.isAdmin, role: change.role },
					room.ref,
					room.documentStatus,
					room.meetingStatus
				);
				// A demoted member is switched to read-only in place (message 100): closing with a
				// 44xx code would stop the stock provider from ever reconnecting.
				if (!decision.allowed) room.close(conn, yjsCloseCodes.forbidden, 'membership_removed');
				else {
					conn.mayRecover = decision.mayRecover;
					conn.mayReshape = decision.mayReshape;
					room.setReadOnly(conn, decision.readOnly, decision.reason);
				}
			}
		}
	});

	const unsubscribeSessions = options.sessionEnds.subscribe((sessionId) => {
		for (const room of rooms.values()) {
			for (const conn of room.allConnections()) {
				if (conn.sessionId === sessionId) room.close(conn, yjsCloseCodes.sessionEnded, 'session_ended');
			}
		}
	});

	// Anti-entropy: after Redis came back (its streams may have lost entries, e.g. a restart
	// without persistence) and, as a safety net, periodically. The delay lets the other nodes
	// commit what they relayed meanwhile (their group commit waits TAVOLO_YJS_COMMIT_DELAY_MS).
	const resyncAll = () => {
		for (const room of rooms.values()) room.resync();
	};
	const resyncTimers = new Set<NodeJS.Timeout>();
	const unsubscribeResume =
		options.relay?.onResume(() => {
			for (const delay of [limits.yjsCommitDelayMs * 5 + 200, 5_000]) {
				const timer = setTimeout(() => {
					resyncTimers.delete(timer);
					resyncAll();
				}, delay);
				timer.unref();
				resyncTimers.add(timer);
			}
		}) ?? (() => {});
	const periodicResync = options.relay && options.resyncIntervalMs ? setInterval(resyncAll, options.resyncIntervalMs) : undefined;
	periodicResync?.unref();

	const keepalive = setInterval(() => {
		for (const room of rooms.values()) {
			for (const conn of room.allConnections()) {
				if (!conn.alive) {
					room.leave(conn);
					conn.socket.terminate();
					continue;
				}
				conn.alive = false;
				conn.socket.ping();
			}
		}
	}, options.pingIntervalMs ?? 30_000);
	keepalive.unref();

	async function flushAll(): Promise<void> {
		while (scheduler.hasDirty()) await scheduler.flush();
	}

	async function revalidate(docName: string): Promise<void> {
		const room = rooms.get(docName);
		if (!room) return;
		for (const conn of room.allConnections()) {
			const access = await resolveDocAccess(db, conn.user, docName).catch((error: unknown) => {
				if (isAppError(error) && error.code === 'not_found') return null;
				throw error;
			});
			if (!access || !access.ok) {
				room.close(conn, yjsCloseCodes.forbidden, 'access_revoked');
				continue;
			}
			room.documentStatus = access.documentStatus;
			room.meetingStatus = access.meetingStatus;
			conn.mayRecover = access.mayRecover;
			conn.mayReshape = access.mayReshape;
			room.setReadOnly(conn, access.readOnly, access.reason);
		}
	}

	/**
	 * Opens the room if nobody has it open here (its stored state, plus whatever the other nodes
	 * relay from then on), holds it in memory while `change` runs in one transaction, and commits.
	 */
	async function transact<T>(docName: string, origin: object, change: (doc: Y.Doc) => T): Promise<T> {
		if (shuttingDown) throw new Error('the yjs endpoint is shutting down');
		let open = rooms.get(docName);
		if (!open || open.isGone) {
			const target = await findDocTarget(db, docName);
			if (!target) throw new Error(`no such yjs document: ${docName}`);
			open = roomFor(docName, target);
		}
		const room = open;
		room.hold();
		try {
			if (!(await room.whenLoaded())) throw new Error(`the yjs document ${docName} could not be loaded`);
			let result!: T;
			room.doc.transact(() => {
				result = change(room.doc);
			}, origin);
			await flushAll();
			return result;
		} finally {
			room.release();
		}
	}

	async function close(): Promise<void> {
		if (shuttingDown) return;
		shuttingDown = true;
		unsubscribe();
		unsubscribeSessions();
		clearInterval(keepalive);
		clearInterval(periodicResync);
		unsubscribeResume();
		for (const timer of resyncTimers) clearTimeout(timer);
		for (const room of rooms.values()) {
			for (const conn of room.allConnections()) room.close(conn, yjsCloseCodes.goingAway, 'server_shutdown');
		}
		// Rooms still loading finish (or fail) first, so their buffered writers are accounted for.
		await Promise.allSettled([...background]);
		const deadline = Date.now() + (options.shutdownFlushMs ?? 10_000);
		for (;;) {
			try {
				await flushAll();
				break;
			} catch (error) {
				if (Date.now() >= deadline) {
					const unsaved = [...rooms.values()].filter((room) => room.hasUnsaved()).map((room) => room.docName);
					log.fatal({ err: error, unsaved }, 'yjs shutdown: updates could not be committed and are lost');
					break;
				}
				await new Promise((resolve) => setTimeout(resolve, 200));
			}
		}
		await Promise.allSettled([...background]);
		scheduler.close();
		for (const room of [...rooms.values()]) room.leaveMemory();
		for (const socket of wss.clients) socket.terminate();
		await new Promise<void>((resolve) => wss.close(() => resolve()));
	}

	return {
		route: {
			prefix,
			handleUpgrade(request, socket, head) {
				admit(request, socket, head).catch((error: unknown) => {
					log.error({ err: error, url: request.url }, 'yjs upgrade failed');
					refuseUpgrade(socket, 503, 'unavailable');
				});
			}
		},
		flushAll,
		revalidate,
		transact,
		close,
		stats() {
			let connections = 0;
			let unsavedDocuments = 0;
			for (const room of rooms.values()) {
				connections += room.size;
				if (room.hasUnsaved()) unsavedDocuments += 1;
			}
			return { documents: rooms.size, connections, unsavedDocuments };
		}
	};
}
