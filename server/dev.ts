import type http from 'node:http';
import type { ViteDevServer } from 'vite';
import { serveWithAppContext } from '../src/lib/server/app-context.ts';
import { createAppContext } from './app.ts';
import { loadConfig } from './config.ts';
import { createServices } from './context.ts';
import { handleHealth, handleMetrics } from './http-server.ts';
import { createRealtime } from './realtime.ts';

/**
 * Development: the production routes on Vite's dev server instead of our own. Loaded through
 * Vite (ssrLoadModule), so it shares one module graph with the SvelteKit code it serves.
 */
export async function attachDevServer(vite: ViteDevServer): Promise<void> {
	const config = loadConfig({ NODE_ENV: 'development', ...process.env });
	const services = await createServices(config);
	const realtime = createRealtime(services);
	const context = createAppContext(services, realtime);
	vite.middlewares.use((req, res, next) => {
		const path = req.url?.split('?')[0];
		if (req.method === 'GET' && path === '/healthz') return void handleHealth(services.database, res);
		if (req.method === 'GET' && path === '/metrics' && config.metrics.token) {
			return void handleMetrics(req, res, { registry: services.metrics, token: config.metrics.token });
		}
		// SvelteKit's middleware comes later in this chain and runs within the context.
		serveWithAppContext(context, () => next());
	});
	const httpServer = vite.httpServer as http.Server | null;
	if (!httpServer) return;
	realtime.attach(httpServer);
	// Vite's own upgrades (hot reload) pass by: only our paths are taken.
	httpServer.on('upgrade', (req, socket, head) => {
		realtime.routes.find((route) => req.url?.startsWith(route.prefix))?.handleUpgrade(req, socket, head);
	});
	httpServer.once('close', () => {
		void realtime.close().then(() => services.close());
	});
}
