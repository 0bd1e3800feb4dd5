import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveWithAppContext, type AppContext } from '../src/lib/server/app-context.ts';
import type { Config } from './config.ts';
import { createServices, type Services } from './context.ts';
import { CLIENT_ADDRESS_HEADER, createHttpServer, createMetricsServer, LOCAL_PROTOCOL_HEADER, type RequestHandler } from './http-server.ts';
import { createRealtime, type Realtime } from './realtime.ts';
import { startReminderScheduler } from './reminders.ts';
import { startDigestScheduler } from './notification-digest.ts';
import type { SyncEndpoint } from './yjs/sync-endpoint.ts';

export interface RunningApp {
	server: http.Server;
	context: AppContext;
	services: Services;
	/** The /yjs endpoint: stats, flushAll, revalidate(docName) after a document's status changes. */
	yjs: SyncEndpoint;
	url: string;
	/** With TAVOLO_METRICS_PORT: where /metrics is served (http://host:port/metrics). */
	metricsUrl: string | undefined;
	close(): Promise<void>;
}

/** adapter-node's `handler.js`, imported only once the environment it reads at import is set. */
export type LoadHandler = () => Promise<{ handler: RequestHandler }>;

export interface StartOptions {
	/** The SvelteKit handler of the build this code belongs to (build/server.js passes its own). */
	loadHandler: LoadHandler;
	/** The build's worker entry, build/heavy-worker.js (see src/lib/server/heavy-work.ts). */
	workerFile?: URL;
}

/** The app context: the process services and the realtime endpoints, whole before any request. */
export function createAppContext(services: Services, realtime: Pick<Realtime, 'broadcaster' | 'liveDocuments'>): AppContext {
	const { config } = services;
	return {
		db: services.database.db,
		sessions: services.sessions,
		loginLimiter: services.loginLimiter,
		apiLimiter: services.apiLimiter,
		passwordResetLimiter: services.passwordResetLimiter,
		accountLinks: {
			emailVerificationHours: config.limits.emailVerificationHours,
			passwordResetMinutes: config.limits.passwordResetMinutes
		},
		signupLimiter: services.signupLimiter,
		accessibilityFeedbackLimiter: services.accessibilityFeedbackLimiter,
		logger: services.logger,
		origin: config.origin,
		secureCookies: config.secureCookies,
		invitationDays: config.limits.invitationDays,
		invitationImport: { maxBytes: config.limits.invitationImportMaxBytes, maxRows: config.limits.invitationImportMaxRows },
		maxJsonBytes: config.limits.maxJsonBytes,
		logoMaxBytes: config.limits.logoMaxBytes,
		commitments: { perMeeting: config.limits.commitmentsPerMeeting, reminderDays: config.limits.commitmentReminderDays },
		convocationMaxExternal: config.limits.convocationMaxExternal,
		bodyLimits: { attachmentMaxBytes: config.limits.attachmentMaxBytes, maxBodyBytes: config.limits.maxBodyBytes },
		membershipChanges: services.membershipChanges,
		sessionEnds: services.sessionEnds,
		votes: services.votes,
		mailer: services.mailer,
		heavyWork: services.heavyWork,
		notifications: { listMax: config.limits.notificationListMax, digestHour: config.limits.notificationDigestHour },
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
	const services = await createServices(config, { workerFile: options.workerFile });
	const realtime = createRealtime(services);
	const context = createAppContext(services, realtime);
	// adapter-node reads these when its handler is first imported. Without ORIGIN it would assume
	// https; here the protocol is whatever our own socket speaks (see http-server.ts).
	if (config.origin) process.env.ORIGIN = config.origin;
	else process.env.PROTOCOL_HEADER = LOCAL_PROTOCOL_HEADER;
	// The client's address is always the one our HTTP server wrote (ADDRESS_HEADER and XFF_DEPTH
	// of the configuration, applied in http-server.ts), whatever a client sends.
	process.env.ADDRESS_HEADER = CLIENT_ADDRESS_HEADER;
	delete process.env.XFF_DEPTH;
	// Body sizes are decided per route by the app (a library upload may be 25 MB, a form 512 KB:
	// src/lib/server/http/body-limit.ts), not by adapter-node's one limit for every request.
	process.env.BODY_SIZE_LIMIT = 'Infinity';
	const { handler } = await options.loadHandler();

	const { token: metricsToken, port: metricsPort } = config.metrics;
	const server = createHttpServer({
		logger: services.logger,
		database: services.database,
		metrics: { registry: services.metrics, token: metricsToken, served: metricsPort === undefined && metricsToken !== undefined },
		clientAddress: config.clientAddress,
		handler: (req, res, next) => serveWithAppContext(context, () => handler(req, res, next)),
		upgradeRoutes: realtime.routes,
		compressionMinBytes: config.compressionMinBytes
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
	let metricsServer: http.Server | undefined;
	let metricsUrl: string | undefined;
	if (metricsPort !== undefined) {
		const listening = createMetricsServer({ registry: services.metrics, token: metricsToken });
		await new Promise<void>((resolve, reject) => {
			listening.once('error', reject);
			listening.listen(metricsPort, config.host, () => resolve());
		});
		metricsServer = listening;
		metricsUrl = `http://${host}:${(listening.address() as AddressInfo).port}/metrics`;
		services.logger.info({ url: metricsUrl }, 'metrics are served on their own port');
	} else if (!metricsToken) {
		services.logger.info('metrics are off: set TAVOLO_METRICS_TOKEN or TAVOLO_METRICS_PORT to serve /metrics');
	}
	const reminders = startReminderScheduler({ context, baseUrl: url });
	const digests = startDigestScheduler({ context, baseUrl: url });

	let closing: Promise<void> | undefined;
	return {
		server,
		context,
		services,
		yjs: realtime.yjs,
		url,
		metricsUrl,
		close() {
			closing ??= (async () => {
				await reminders.stop();
				await digests.stop();
				metricsServer?.closeAllConnections();
				await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
				await realtime.close();
				server.closeAllConnections();
				await new Promise<void>((resolve) => server.close(() => resolve()));
				await services.close();
			})();
			return closing;
		}
	};
}
