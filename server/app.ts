import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setAppContext, type AppContext } from '../src/lib/server/app-context.ts';
import type { Config } from './config.ts';
import { createAppContext, type ContextOptions } from './context.ts';
import { createHttpServer, LOCAL_PROTOCOL_HEADER, type RequestHandler, type UpgradeRoute } from './http-server.ts';
import { attachRealtime } from './realtime.ts';
import { closeRedis } from './redis.ts';
import { startReminderScheduler } from './reminders.ts';
import type { SyncEndpoint } from './yjs/sync-endpoint.ts';

export interface RunningApp {
	server: http.Server;
	context: AppContext;
	/** The /yjs endpoint: stats, flushAll, revalidate(docName) after a document's status changes. */
	yjs: SyncEndpoint;
	url: string;
	close(): Promise<void>;
}

const defaultHandlerPath = fileURLToPath(new URL('../build/handler.js', import.meta.url));

/**
 * Builds and starts the whole app on one port: the shared context, the SvelteKit handler from
 * the build, socket.io and the Yjs endpoint. Used by server/main.ts and by the tests.
 */
export async function startApp(config: Config, options: ContextOptions & { handlerPath?: string } = {}): Promise<RunningApp> {
	const context = await createAppContext(config, options);
	setAppContext(context);
	// adapter-node reads these when build/handler.js is first imported. Without ORIGIN it would
	// assume https; here the protocol is whatever our own socket speaks (see http-server.ts).
	if (config.origin) process.env.ORIGIN = config.origin;
	else process.env.PROTOCOL_HEADER = LOCAL_PROTOCOL_HEADER;
	const { handler } = (await import(pathToFileURL(options.handlerPath ?? defaultHandlerPath).href)) as {
		handler: RequestHandler;
	};

	const routes: UpgradeRoute[] = [];
	const server = createHttpServer({ context, handler, upgradeRoutes: routes });
	const realtime = attachRealtime({ context, config, httpServer: server });
	routes.push(...realtime.routes);

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(config.port, config.host, () => resolve());
	});
	const address = server.address() as AddressInfo;
	const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
	const url = config.origin ?? `http://${host}:${address.port}`;
	context.logger.info({ url, database: context.database.kind }, 'Tavolo is listening');
	const reminders = startReminderScheduler({ context, baseUrl: url });

	let closing: Promise<void> | undefined;
	return {
		server,
		context,
		yjs: realtime.yjs,
		url,
		close() {
			closing ??= (async () => {
				await reminders.stop();
				await realtime.close();
				server.closeAllConnections();
				await new Promise<void>((resolve) => server.close(() => resolve()));
				await context.votes?.idle();
				await context.cluster?.close();
				context.mailer?.close();
				if (context.redis) await closeRedis(context.redis);
				await context.database.close();
				setAppContext(undefined);
			})();
			return closing;
		}
	};
}
