import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DatabaseHandle } from '../src/lib/server/db/connect.ts';
import { REQUEST_ID_HEADER, requestIdFrom } from '../src/lib/server/http/request-id.ts';

/**
 * Header adapter-node reads the request protocol from when ORIGIN is unset. We set it ourselves
 * on every request (a client cannot forge it), from the socket that accepted the request.
 */
export const LOCAL_PROTOCOL_HEADER = 'x-tavolo-protocol';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

/** Something that takes over a WebSocket upgrade on a path prefix (Yjs sync, socket.io). */
export interface UpgradeRoute {
	prefix: string;
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface HttpServerOptions {
	logger: Logger;
	database: DatabaseHandle;
	metrics: Registry;
	/** The SvelteKit handler (adapter-node's build/handler.js), run with the app context. */
	handler: RequestHandler;
	upgradeRoutes: UpgradeRoute[];
}

/** Answers an upgrade with a plain HTTP status and closes it: no byte of any protocol is sent. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
	if (!socket.writable) {
		socket.destroy();
		return;
	}
	socket.end(
		`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Refused'}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`
	);
}

export async function handleHealth(database: DatabaseHandle, res: ServerResponse): Promise<void> {
	let reachable = true;
	try {
		await Promise.race([database.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
	} catch {
		reachable = false;
	}
	res.writeHead(reachable ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
	res.end(JSON.stringify({ status: reachable ? 'ok' : 'degraded', database: reachable ? 'ok' : 'unreachable' }));
}

export async function handleMetrics(metrics: Registry, res: ServerResponse): Promise<void> {
	res.writeHead(200, { 'content-type': metrics.contentType });
	res.end(await metrics.metrics());
}

/**
 * One access log line per request once it is answered (or abandoned by the client): the path
 * without its query (which may carry tokens), status and duration. Health checks and metrics
 * scrapes, asked every few seconds by the platform, log at debug.
 */
function logAccess(logger: Logger, req: IncomingMessage, res: ServerResponse, requestId: string, path: string): void {
	const started = performance.now();
	const quiet = path === '/healthz' || path === '/metrics';
	res.once('close', () => {
		const line = {
			reqId: requestId,
			method: req.method,
			path,
			status: res.statusCode,
			ms: Math.round((performance.now() - started) * 10) / 10,
			...(res.writableFinished ? {} : { aborted: true })
		};
		if (quiet) logger.debug(line, 'request');
		else logger.info(line, 'request');
	});
}

/**
 * One HTTP server for everything: /healthz and /metrics first, then the SvelteKit handler;
 * upgrades go to the route owning their path prefix and any other upgrade is refused.
 */
export function createHttpServer(options: HttpServerOptions): http.Server {
	const { logger, database, metrics, handler, upgradeRoutes: routes } = options;
	const server = http.createServer((req, res) => {
		const path = req.url?.split('?')[0];
		// The SvelteKit hooks read the id from the request, so theirs and this one are the same.
		const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
		req.headers[REQUEST_ID_HEADER] = requestId;
		res.setHeader(REQUEST_ID_HEADER, requestId);
		logAccess(logger, req, res, requestId, path ?? '');
		if (req.method === 'GET' && path === '/healthz') return void handleHealth(database, res);
		if (req.method === 'GET' && path === '/metrics') return void handleMetrics(metrics, res);
		req.headers[LOCAL_PROTOCOL_HEADER] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
		handler(req, res, () => {
			res.writeHead(404).end();
		});
	});
	server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
		socket.on('error', () => socket.destroy());
		const path = req.url ?? '';
		const route = routes.find((r) => path.startsWith(r.prefix));
		if (!route) return refuseUpgrade(socket, 404, 'Unknown upgrade path');
		route.handleUpgrade(req, socket, head);
	});
	return server;
}
