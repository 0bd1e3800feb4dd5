import type http from 'node:http';
import { Server } from 'socket.io';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Events, MembershipChanges } from '../../src/lib/server/events.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { createCoalescer, type MeetingBroadcaster } from '../../src/lib/server/live/broadcaster.ts';
import type { LiveDeps } from '../../src/lib/server/live/deps.ts';
import { facilitatorsRoom, meetingRoom, tableRoom, userRoom } from '../../src/lib/realtime/protocol.ts';
import type { UpgradeAuth } from '../upgrade-auth.ts';
import type { UpgradeRoute } from '../http-server.ts';
import { registerMeetingHandlers } from './meeting-handlers.ts';
import { registerTableHandlers } from './table-handlers.ts';
import { errorMessage } from '../../src/lib/errors/messages.ts';
import { createStreamsAdapter } from './streams-adapter.ts';
import { createLocalPresenceLedger, createRedisPresenceLedger } from './presence-ledger.ts';
import type { SocketData, TavoloServer, TavoloSocket } from './socket-types.ts';

export interface SocketServerOptions {
	/** The live services' dependencies, less the broadcaster this server makes. */
	deps: Omit<LiveDeps, 'broadcaster' | 'logger'>;
	logger: Logger;
	metrics: Registry;
	authenticate(request: http.IncomingMessage): Promise<UpgradeAuth>;
	membershipChanges: MembershipChanges;
	sessionEnds: Events<string>;
	cluster: Cluster | undefined;
	/** With REDIS_URL: how long a dropped client may come back and receive what it missed. */
	recoverySeconds?: number;
	/** TAVOLO_SOCKET_COMMANDS_PER_SECOND: commands one connection may send per second. */
	commandsPerSecond: number;
	/** TAVOLO_CHECK_INS_PER_MEETING: check-ins (chamber, call) one meeting may hold. */
	checkInsPerMeeting: number;
	/** TAVOLO_SOCKET_CONNECTIONS_PER_USER: connections one user may hold open on this node. */
	connectionsPerUser: number;
}

/**
 * socket.io on /socket.io, WebSocket transport only: every connection is an upgrade, so the
 * session cookie and the Origin are checked (allowRequest) before a connection exists.
 * Meeting rooms (`meeting:<id>`) are joined with `meeting:join`, authorised on every join.
 */
/**
 * The refusal a client sees as `connect_error`: `message` is the code, `data` the usual
 * `{code, message}` with the catalogue's text. socket.io-client does not retry a refusal by
 * middleware by itself.
 */
function tooManyConnections(max: number): Error & { data: { code: string; message: string } } {
	return Object.assign(new Error('too_many_connections'), {
		data: { code: 'too_many_connections', message: errorMessage('too_many_connections', { max }) }
	});
}

/** Three missed heartbeats of the node list (server/cluster/cluster.ts beats every 2 s), and a margin. */
const presenceNodeTimeoutMs = 10_000;
/** How often a node sweeps the presence of nodes that stopped. */
const presenceSweepMs = 5_000;

export function createSocketServer(options: SocketServerOptions) {
	const { logger, cluster, recoverySeconds = 120 } = options;
	const streams = cluster ? createStreamsAdapter(cluster, logger) : undefined;
	const io: TavoloServer = new Server({
		// With REDIS_URL the rooms span every node (Redis streams, so a Redis blip loses no
		// broadcast), and a client that reconnects within the window gets the events it missed.
		...(streams
			? {
					adapter: streams.adapter,
					connectionStateRecovery: { maxDisconnectionDuration: recoverySeconds * 1000, skipMiddlewares: false }
				}
			: {}),
		path: '/socket.io',
		transports: ['websocket'],
		serveClient: false,
		// Other upgrade paths (/yjs) belong to their own routes; engine.io must not destroy them.
		destroyUpgrade: false,
		maxHttpBufferSize: 64 * 1024,
		allowRequest: (req, callback) => {
			options.authenticate(req).then(
				(auth) => {
					if (!auth.ok) return callback(auth.reason, false);
					(req as typeof req & { tavoloAuth?: Omit<SocketData, 'meetings'> }).tavoloAuth = { user: auth.user, sessionId: auth.sessionId };
					callback(null, true);
				},
				(error: unknown) => {
					logger.error({ err: error }, 'socket.io authentication failed');
					callback('internal', false);
				}
			);
		}
	});
	const admitting = new Set<TavoloSocket>();
	io.on('connection', (socket) => {
		admitting.delete(socket);
		// Every tab hears its user's notifications, on any page (the header's bell).
		void socket.join(userRoom(socket.data.user.id));
	});
	io.use((socket, next) => {
		const auth = (socket.request as typeof socket.request & { tavoloAuth?: Omit<SocketData, 'meetings'> }).tavoloAuth;
		if (!auth) return next(new Error('unauthorized'));
		// A recovered socket (same session, back within the window) keeps its rooms and meetings;
		// the user and session are the ones this upgrade just authenticated.
		if (socket.recovered && socket.data.sessionId !== auth.sessionId) return next(new Error('unauthorized'));
		// Tabs and devices of one person are a handful; hundreds are a script holding the server's
		// memory. Counted over the connected sockets and those admitted a moment ago, which socket.io
		// adds to its list on the next tick (a burst of handshakes would otherwise all pass).
		let open = 0;
		for (const other of [...io.of('/').sockets.values(), ...admitting]) if (other.data.user?.id === auth.user.id) open++;
		if (open >= options.connectionsPerUser) return next(tooManyConnections(options.connectionsPerUser));
		admitting.add(socket);
		socket.conn.once('close', () => admitting.delete(socket));
		socket.data.user = auth.user;
		socket.data.sessionId = auth.sessionId;
		socket.data.meetings = socket.recovered ? (socket.data.meetings ?? {}) : {};
		next();
	});

	// Who has each room open, socket by socket, and each meeting's presence version: in Redis with
	// a cluster (a node's heartbeat older than this and its sockets are swept), else in memory.
	const ledger = cluster
		? createRedisPresenceLedger({
				redis: cluster.redis,
				prefix: cluster.prefix,
				nodeId: cluster.nodeId,
				nodeTimeoutMs: presenceNodeTimeoutMs
			})
		: createLocalPresenceLedger();
	const coalescer = createCoalescer((error, key) => logger.error({ err: error, key }, 'live broadcast failed'));
	const broadcaster: MeetingBroadcaster = {
		toMeeting(meetingId, event, ...args) {
			(io.to(meetingRoom(meetingId)).emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
		},
		toTable(tableId, event, ...args) {
			(io.to(tableRoom(tableId)).emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
		},
		toUser(userId, event, ...args) {
			(io.to(userRoom(userId)).emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
		},
		toFacilitators(meetingId, event, ...args) {
			(io.to(facilitatorsRoom(meetingId)).emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
		},
		coalesce: (key, task) => coalescer.schedule(key, task),
		presence: (meetingId) => ledger.snapshot(meetingId),
		nextPresenceVersion: (meetingId) => ledger.next(meetingId),
		meetingStarted(meetingId) {
			meetings.recordWaitingArrivals(meetingId);
			if (cluster) io.serverSideEmit('meeting:started', meetingId);
		}
	};
	const deps: LiveDeps = { ...options.deps, logger, broadcaster };
	const meetings = registerMeetingHandlers({
		io,
		deps,
		logger: logger,
		ledger,
		membershipChanges: options.membershipChanges,
		metrics: options.metrics,
		commandsPerSecond: options.commandsPerSecond,
		checkInsPerMeeting: options.checkInsPerMeeting
	});
	const tables = registerTableHandlers({
		io,
		db: options.deps.db,
		logger,
		membershipChanges: options.membershipChanges,
		commandsPerSecond: options.commandsPerSecond
	});

	// Around a Redis restart the ledger may have lost this node's sockets (Redis without its data)
	// or kept those of a node that died meanwhile: once Redis is back, this node enters its sockets
	// again and sweeps the dead nodes'; every few seconds too, for a node that died at any time.
	const presenceTimers = new Set<NodeJS.Timeout>();
	if (cluster) {
		const sweeper = setInterval(() => meetings.sweepPresence(), presenceSweepMs);
		sweeper.unref();
		presenceTimers.add(sweeper);
	}
	const unsubscribeResume =
		cluster?.relay.onResume(() => {
			for (const delay of [1_000, 5_000]) {
				const timer = setTimeout(() => {
					presenceTimers.delete(timer);
					meetings.refreshPresence();
				}, delay);
				timer.unref();
				presenceTimers.add(timer);
			}
		}) ?? (() => {});

	// A logout ends that session's live sockets at once; the others of the same user stay.
	const unsubscribeSessions = options.sessionEnds.subscribe((sessionId) => {
		for (const socket of io.of('/').sockets.values()) {
			if (socket.data.sessionId === sessionId) socket.disconnect(true);
		}
	});

	/** engine.io listens to the server's upgrades itself; this route only keeps the path claimed. */
	const route: UpgradeRoute = { prefix: '/socket.io/', handleUpgrade: () => {} };
	return {
		io,
		route,
		broadcaster,
		/** Listens for upgrades on the HTTP server that serves /socket.io (ours, or Vite's in development). */
		attach(httpServer: http.Server): void {
			io.attach(httpServer);
		},
		/**
		 * After io.close(): waits for the departures and broadcasts still in flight, which need
		 * the database open.
		 */
		async settled(): Promise<void> {
			unsubscribeSessions();
			unsubscribeResume();
			for (const timer of presenceTimers) clearTimeout(timer);
			presenceTimers.clear();
			meetings.stop();
			tables.stop();
			await meetings.settled();
			await tables.settled();
			await coalescer.idle();
			await streams?.close();
		}
	};
}
