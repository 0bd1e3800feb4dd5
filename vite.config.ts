import { sveltekit } from '@sveltejs/kit/vite';
import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { defineConfig, type Plugin, type ViteDevServer } from 'vite';

/**
 * `npm run dev` serves the same routes as production: /healthz, /metrics, socket.io and /yjs are
 * attached to Vite's own HTTP server by server/dev.ts, loaded through Vite so it shares the app's
 * module graph.
 */
function tavoloDevServer(): Plugin {
	return {
		name: 'tavolo-dev-server',
		apply: 'serve',
		async configureServer(server: ViteDevServer) {
			const { attachDevServer } = (await server.ssrLoadModule('/server/dev.ts')) as typeof import('./server/dev.ts');
			await attachDevServer(server);
		}
	};
}

export default defineConfig({
	plugins: [
		paraglideVitePlugin({
			project: './project.inlang',
			outdir: './src/lib/paraglide',
			strategy: ['cookie', 'preferredLanguage', 'baseLocale'],
			cookieName: 'tavolo_lang'
		}),
		sveltekit(),
		tavoloDevServer()
	],
	server: { port: 5173 },
	// The slow-plugin report names SvelteKit's own steps at every build: nothing to act on here.
	build: { rolldownOptions: { checks: { bundlerTimings: false } } }
});
