import { createHash, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DatabaseHandle } from '../src/lib/server/db/connect.ts';
import { REQUEST_ID_HEADER, requestIdFrom } from '../src/lib/server/http/request-id.ts';
import { redactUrl } from '../src/lib/server/http/log-redaction.ts';
import { createCompression } from './compression.ts';

/**
 * Header adapter-node reads the request protocol from when ORIGIN is unset. We set it ourselves
 * on every request (a client cannot forge it), from the socket that accepted the request.
 */
export const LOCAL_PROTOCOL_HEADER = 'x-tavolo-protocol';

/**
 * Header adapter-node reads the client's address from (its ADDRESS_HEADER). We set it ourselves
 * on every request, overwriting whatever a client sent, from ADDRESS_HEADER/XFF_DEPTH of our
 * configuration (see `clientAddressOf`), so every app in a process (tests) decides for itself.
 */
export const CLIENT_ADDRESS_HEADER = 'x-tavolo-client-address';

export interface ClientAddressOptions {
	/** The header a trusted proxy writes the client's address in; undefined: the TCP peer. */
	header: string | undefined;
	/** For x-forwarded-for: the entry this many from the right, the one our own proxy appended. */
	xffDepth: number;
}

/**
 * The client's address as adapter-node would compute it, except that a request lacking the
 * header (one that reached us around the proxy) counts under its TCP peer instead of failing.
 */
export function clientAddressOf(req: IncomingMessage, options: ClientAddressOptions): string {
	const peer = req.socket.remoteAddress ?? 'unknown';
	if (!options.header) return peer;
	const raw = req.headers[options.header];
	const value = (Array.isArray(raw) ? raw.join(',') : raw)?.trim();
	if (!value) return peer;
	if (options.header !== 'x-forwarded-for') return value;
	const addresses = value.split(',').map((address) => address.trim());
	return addresses[Math.max(0, addresses.length - options.xffDepth)] || peer;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

/** Something that takes over a WebSocket upgrade on a path prefix (Yjs sync, socket.io). */
export interface UpgradeRoute {
	prefix: string;
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface MetricsOptions {
	registry: Registry;
	/** The bearer token a scrape must send; undefined: none is asked (only on a port of its own). */
	token: string | undefined;
	/** Whether this server answers /metrics at all (false: 404, as for any unknown path). */
	served: boolean;
}

export interface HttpServerOptions {
	logger: Logger;
	database: DatabaseHandle;
	metrics: MetricsOptions;
	clientAddress: ClientAddressOptions;
	/** The SvelteKit handler (adapter-node's build/handler.js), run with the app context. */
	handler: RequestHandler;
	upgradeRoutes: UpgradeRoute[];
	/** Responses of the handler from this many bytes are compressed (see compression.ts). */
	compressionMinBytes: number;
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

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares in constant time (over digests, so the lengths need not match). */
function bearerMatches(authorization: string | undefined, token: string): boolean {
	const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
	return match !== null && timingSafeEqual(digest(match[1]), digest(token));
}

/**
 * /metrics (Prometheus text) for whoever sends `Authorization: Bearer $TAVOLO_METRICS_TOKEN`;
 * 401 without it. Without a token it answers everyone: only a port of its own is served so.
 */
export async function handleMetrics(
	req: IncomingMessage,
	res: ServerResponse,
	options: Pick<MetricsOptions, 'registry' | 'token'>
): Promise<void> {
	if (options.token !== undefined && !bearerMatches(req.headers.authorization, options.token)) {
		res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="metrics"', 'cache-control': 'no-store' });
		res.end(JSON.stringify({ error: { code: 'unauthorized', message: 'Bearer token required' } }));
		return;
	}
	res.writeHead(200, { 'content-type': options.registry.contentType, 'cache-control': 'no-store' });
	res.end(await options.registry.metrics());
}

/** TAVOLO_METRICS_PORT: a server that answers GET /metrics and nothing else. */
export function createMetricsServer(options: Pick<MetricsOptions, 'registry' | 'token'>): http.Server {
	return http.createServer((req, res) => {
		if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') return void handleMetrics(req, res, options);
		res.writeHead(404).end();
	});
}

/**
 * One access log line per request once it is answered (or abandoned by the client): the path
 * without its query (which may carry tokens) and with the secrets of invitation links redacted
 * (`/invite/<redacted>`, see log-redaction.ts), status and duration. Health checks and metrics
 * scrapes, asked every few seconds by the platform, log at debug.
 */
function logAccess(logger: Logger, req: IncomingMessage, res: ServerResponse, requestId: string, path: string): void {
	const started = performance.now();
	const quiet = path === '/healthz' || path === '/metrics';
	res.once('close', () => {
		const line = {
			reqId: requestId,
			method: req.method,
			path: redactUrl(path),
			status: res.statusCode,
			ms: Math.round((performance.now() - started) * 10) / 10,
			...(res.writableFinished ? {} : { aborted: true })
		};
		if (quiet) logger.debug(line, 'request');
		else logger.info(line, 'request');
	});
}

/**
 * One HTTP server for everything: /healthz and /metrics (when served here) first, then the SvelteKit handler,
 * its responses compressed as the client accepts (see compression.ts); upgrades go to the route owning their path prefix and any other upgrade is refused.
 */
export function createHttpServer(options: HttpServerOptions): http.Server {
	const { logger, database, metrics, handler, upgradeRoutes: routes } = options;
	const compress = createCompression(options.compressionMinBytes);
	const server = http.createServer((req, res) => {
		const path = req.url?.split('?')[0];
		// The SvelteKit hooks read the id from the request, so theirs and this one are the same.
		const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
		req.headers[REQUEST_ID_HEADER] = requestId;
		res.setHeader(REQUEST_ID_HEADER, requestId);
		logAccess(logger, req, res, requestId, path ?? '');
		if (req.method === 'GET' && path === '/healthz') return void handleHealth(database, res);
		if (req.method === 'GET' && path === '/metrics' && metrics.served) return void handleMetrics(req, res, metrics);
		req.headers[CLIENT_ADDRESS_HEADER] = clientAddressOf(req, options.clientAddress);
		req.headers[LOCAL_PROTOCOL_HEADER] = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
		compress(req, res, () =>
			handler(req, res, () => {
				res.writeHead(404).end();
			})
		);
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
