import type http from 'node:http';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Events, MembershipChanges } from '../../src/lib/server/events.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { createCoalescer, type MeetingBroadcaster } from '../../src/lib/server/live/broadcaster.ts';
import type { LiveDeps } from '../../src/lib/server/live/deps.ts';
import { facilitatorsRoom, meetingRoom, type Participant } from '../../src/lib/realtime/protocol.ts';
import type { UpgradeAuth } from '../upgrade-auth.ts';
import type { UpgradeRoute } from '../http-server.ts';
import { registerMeetingHandlers } from './meeting-handlers.ts';
import type { SocketData, TavoloServer } from './socket-types.ts';

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
}

/**
 * socket.io on /socket.io, WebSocket transport only: every connection is an upgrade, so the
 * session cookie and the Origin are checked (allowRequest) before a connection exists.
 * Meeting rooms (`meeting:<id>`) are joined with `meeting:join`, authorised on every join.
 */
export function createSocketServer(options: SocketServerOptions) {
	const { logger, cluster, recoverySeconds = 120 } = options;
	const io: TavoloServer = new Server({
		// With REDIS_URL the rooms span every node (Redis streams, so a Redis blip loses no
		// broadcast), and a client that reconnects within the window gets the events it missed.
		...(cluster
			? {
					adapter: createAdapter(cluster.redis, {
						streamName: `${cluster.prefix}:socket.io`,
						channelPrefix: `${cluster.prefix}:socket.io`,
						sessionKeyPrefix: `${cluster.prefix}:socket.io:session:`
					}),
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
	io.use((socket, next) => {
		const auth = (socket.request as typeof socket.request & { tavoloAuth?: Omit<SocketData, 'meetings'> }).tavoloAuth;
		if (!auth) return next(new Error('unauthorized'));
		// A recovered socket (same session, back within the window) keeps its rooms and meetings;
		// the user and session are the ones this upgrade just authenticated.
		if (socket.recovered && socket.data.sessionId !== auth.sessionId) return next(new Error('unauthorized'));
		socket.data.user = auth.user;
		socket.data.sessionId = auth.sessionId;
		socket.data.meetings = socket.recovered ? (socket.data.meetings ?? {}) : {};
		next();
	});

	const coalescer = createCoalescer((error, key) => logger.error({ err: error, key }, 'live broadcast failed'));
	const broadcaster: MeetingBroadcaster = {
		toMeeting(meetingId, event, ...args) {
			(io.to(meetingRoom(meetingId)).emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
		},
		toFacilitators(meetingId, event, ...args) {
			(io.to(facilitatorsRoom(meetingId)).emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
		},
		coalesce: (key, task) => coalescer.schedule(key, task),
		async presence(meetingId) {
			const sockets = await io.in(meetingRoom(meetingId)).fetchSockets();
			const byUser = new Map<string, Participant>();
			for (const s of sockets) {
				const joined = s.data.meetings?.[meetingId];
				if (joined) byUser.set(joined.participant.userId, joined.participant);
			}
			return [...byUser.values()].sort((a, b) => a.name.localeCompare(b.name, 'it'));
		}
	};
	const deps: LiveDeps = { ...options.deps, logger, broadcaster };
	const meetings = registerMeetingHandlers({
		io,
		deps,
		logger: logger,
		membershipChanges: options.membershipChanges,
		metrics: options.metrics,
		commandsPerSecond: options.commandsPerSecond
	});

	// Presence is read across nodes with fetchSockets, which waits only for the nodes subscribed
	// in Redis right now (PUBSUB NUMSUB). Around a Redis restart the other nodes re-subscribe one
	// by one, so a list made meanwhile holds this node's tabs only, and nothing would correct it
	// before the next arrival or departure: once Redis is back, every room's presence is read again.
	const presenceTimers = new Set<NodeJS.Timeout>();
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
			meetings.stop();
			await meetings.settled();
			await coalescer.idle();
		}
	};
}
