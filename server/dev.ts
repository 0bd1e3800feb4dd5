import type { ViteDevServer } from 'vite';
import type http from 'node:http';
import { setAppContext } from '../src/lib/server/app-context.ts';
import { loadConfig } from './config.ts';
import { createAppContext } from './context.ts';
import { handleHealth, handleMetrics, refuseUpgrade } from './http-server.ts';
import { createSocketServer } from './sockets/socket-server.ts';

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
	createSocketServer({ context, httpServer });
	httpServer.on('upgrade', (req, socket) => {
		if (req.url?.startsWith('/yjs/')) refuseUpgrade(socket, 503, 'Not available yet');
	});
}
