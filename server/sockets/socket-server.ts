import type http from 'node:http';
import { Server } from 'socket.io';
import type { AppContext } from '../../src/lib/server/app-context.ts';
import type { SessionUser } from '../../src/lib/server/auth/sessions.ts';
import { authenticateUpgrade } from '../upgrade-auth.ts';
import type { UpgradeRoute } from '../http-server.ts';

export interface SocketData {
	user: SessionUser;
	sessionId: string;
}

export interface SocketServerOptions {
	context: AppContext;
	httpServer: http.Server;
}

/**
 * socket.io on /socket.io, WebSocket transport only: every connection is an upgrade, so the
 * session cookie and the Origin are checked (allowRequest) before a connection exists.
 */
export function createSocketServer({ context, httpServer }: SocketServerOptions) {
	const io = new Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>(httpServer, {
		path: '/socket.io',
		transports: ['websocket'],
		serveClient: false,
		// Other upgrade paths (/yjs) belong to their own routes; engine.io must not destroy them.
		destroyUpgrade: false,
		maxHttpBufferSize: 64 * 1024,
		allowRequest: (req, callback) => {
			authenticateUpgrade(context, req).then(
				(auth) => {
					if (!auth.ok) return callback(auth.reason, false);
					(req as typeof req & { tavoloAuth?: SocketData }).tavoloAuth = { user: auth.user, sessionId: auth.sessionId };
					callback(null, true);
				},
				(error: unknown) => {
					context.logger.error({ err: error }, 'socket.io authentication failed');
					callback('internal', false);
				}
			);
		}
	});
	io.use((socket, next) => {
		const auth = (socket.request as typeof socket.request & { tavoloAuth?: SocketData }).tavoloAuth;
		if (!auth) return next(new Error('unauthorized'));
		socket.data.user = auth.user;
		socket.data.sessionId = auth.sessionId;
		next();
	});
	/** engine.io listens to the server's upgrades itself; this route only keeps the path claimed. */
	const route: UpgradeRoute = { prefix: '/socket.io/', handleUpgrade: () => {} };
	return { io, route };
}
