import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setAppContext, type AppContext } from '../src/lib/server/app-context.ts';
import type { Config } from './config.ts';
import { createAppContext, type ContextOptions } from './context.ts';
import { createHttpServer, refuseUpgrade, type RequestHandler, type UpgradeRoute } from './http-server.ts';
import { createSocketServer } from './sockets/socket-server.ts';
import { authenticateUpgrade } from './upgrade-auth.ts';

export interface RunningApp {
	server: http.Server;
	context: AppContext;
	url: string;
	close(): Promise<void>;
}

const defaultHandlerPath = fileURLToPath(new URL('../build/handler.js', import.meta.url));

/**
 * Builds and starts the whole app on one port: the shared context, the SvelteKit handler from
 * the build, socket.io and the Yjs endpoint. Used by server/main.ts and by the tests.
 */
export async function startApp(
	config: Config,
	options: ContextOptions & { handlerPath?: string } = {}
): Promise<RunningApp> {
	const context = await createAppContext(config, options);
	setAppContext(context);
	const { handler } = (await import(pathToFileURL(options.handlerPath ?? defaultHandlerPath).href)) as {
		handler: RequestHandler;
	};

	const yjsRoute: UpgradeRoute = {
		prefix: '/yjs/',
		handleUpgrade: (req, socket) => {
			authenticateUpgrade(context, req).then(
				(auth) => refuseUpgrade(socket, auth.ok ? 503 : auth.status, auth.ok ? 'Not available yet' : auth.reason),
				() => refuseUpgrade(socket, 500, 'internal')
			);
		}
	};
	const routes: UpgradeRoute[] = [yjsRoute];
	const server = createHttpServer({ context, handler, upgradeRoutes: routes });
	const sockets = createSocketServer({ context, httpServer: server });
	routes.push(sockets.route);

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(config.port, config.host, () => resolve());
	});
	const address = server.address() as AddressInfo;
	const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
	const url = config.origin ?? `http://${host}:${address.port}`;
	context.logger.info({ url, database: context.database.kind }, 'Tavolo is listening');

	let closing: Promise<void> | undefined;
	return {
		server,
		context,
		url,
		close() {
			closing ??= (async () => {
				await new Promise<void>((resolve) => {
					sockets.io.close(() => resolve());
					server.closeAllConnections?.();
				});
				await context.database.close();
				setAppContext(undefined);
			})();
			return closing;
		}
	};
}
