import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveWithAppContext, type AppContext } from '../src/lib/server/app-context.ts';
import type { Config } from './config.ts';
import { createServices, type Services } from './context.ts';
import { createHttpServer, LOCAL_PROTOCOL_HEADER, type RequestHandler } from './http-server.ts';
import { createRealtime, type Realtime } from './realtime.ts';
import { startReminderScheduler } from './reminders.ts';
import type { SyncEndpoint } from './yjs/sync-endpoint.ts';

export interface RunningApp {
	server: http.Server;
	context: AppContext;
	services: Services;
	/** The /yjs endpoint: stats, flushAll, revalidate(docName) after a document's status changes. */
	yjs: SyncEndpoint;
	url: string;
	close(): Promise<void>;
}

/** adapter-node's `handler.js`, imported only once the environment it reads at import is set. */
export type LoadHandler = () => Promise<{ handler: RequestHandler }>;

export interface StartOptions {
	/** The SvelteKit handler of the build this code belongs to (build/server.js passes its own). */
	loadHandler: LoadHandler;
}

/** The app context: the process services and the realtime endpoints, whole before any request. */
export function createAppContext(services: Services, realtime: Pick<Realtime, 'broadcaster' | 'liveDocuments'>): AppContext {
	const { config } = services;
	return {
		db: services.database.db,
		sessions: services.sessions,
		loginLimiter: services.loginLimiter,
		apiLimiter: services.apiLimiter,
		logger: services.logger,
		origin: config.origin,
		secureCookies: config.secureCookies,
		invitationDays: config.limits.invitationDays,
		maxJsonBytes: config.limits.maxJsonBytes,
		membershipChanges: services.membershipChanges,
		sessionEnds: services.sessionEnds,
		votes: services.votes,
		mailer: services.mailer,
		broadcaster: realtime.broadcaster,
		liveDocuments: realtime.liveDocuments
	};
}

/**
 * Builds and starts the whole app on one port: the process services, socket.io and the Yjs
 * endpoint, the app context made of them, then the SvelteKit handler that serves requests with
 * it. Used by build/server.js (server/main.ts) and by the tests.
 */
export async function startApp(config: Config, options: StartOptions): Promise<RunningApp> {
	const services = await createServices(config);
	const realtime = createRealtime(services);
	const context = createAppContext(services, realtime);
	// adapter-node reads these when its handler is first imported. Without ORIGIN it would assume
	// https; here the protocol is whatever our own socket speaks (see http-server.ts).
	if (config.origin) process.env.ORIGIN = config.origin;
	else process.env.PROTOCOL_HEADER = LOCAL_PROTOCOL_HEADER;
	const { handler } = await options.loadHandler();

	const server = createHttpServer({
		logger: services.logger,
		database: services.database,
		metrics: services.metrics,
		handler: (req, res, next) => serveWithAppContext(context, () => handler(req, res, next)),
		upgradeRoutes: realtime.routes
	});
	realtime.attach(server);
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(config.port, config.host, () => resolve());
	});
	const address = server.address() as AddressInfo;
	const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
	const url = config.origin ?? `http://${host}:${address.port}`;
	services.logger.info({ url, database: services.database.kind }, 'Tavolo is listening');
	const reminders = startReminderScheduler({ context, baseUrl: url });

	let closing: Promise<void> | undefined;
	return {
		server,
		context,
		services,
		yjs: realtime.yjs,
		url,
		close() {
			closing ??= (async () => {
				await reminders.stop();
				await realtime.close();
				server.closeAllConnections();
				await new Promise<void>((resolve) => server.close(() => resolve()));
				await services.close();
			})();
			return closing;
		}
	};
}
