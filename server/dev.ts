import type { ViteDevServer } from 'vite';
import type http from 'node:http';
import { setAppContext } from '../src/lib/server/app-context.ts';
import { loadConfig } from './config.ts';
import { createAppContext } from './context.ts';
import { handleHealth, handleMetrics } from './http-server.ts';
import { attachRealtime } from './realtime.ts';

/** Development: the production routes, attached to Vite's dev server instead of our own. */
export async function attachDevServer(vite: ViteDevServer): Promise<void> {
	const config = loadConfig({ NODE_ENV: 'development', ...process.env });
	const context = await createAppContext(config);
	setAppContext(context);
	vite.middlewares.use((req, res, next) => {
		const path = req.url?.split('?')[0];
		if (req.method === 'GET' && path === '/healthz') return void handleHealth(context, res);
		if (req.method === 'GET' && path === '/metrics') return void handleMetrics(context, res);
		next();
	});
	const httpServer = vite.httpServer as http.Server | null;
	if (!httpServer) return;
	const realtime = attachRealtime({ context, config, httpServer });
	// Vite's own upgrades (hot reload) pass by: only our paths are taken.
	httpServer.on('upgrade', (req, socket, head) => {
		realtime.routes.find((route) => req.url?.startsWith(route.prefix))?.handleUpgrade(req, socket, head);
	});
	httpServer.once('close', () => {
		void realtime.close().then(async () => {
			await context.cluster?.close();
			await context.database.close();
		});
	});
}
