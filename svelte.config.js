import { writeFileSync } from 'node:fs';
import nodeAdapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

const out = 'build';

/**
 * adapter-node, plus the production entry build/server.js. It starts the app from
 * build/instrumentation.server.js (src/instrumentation.server.ts), which adapter-node bundles
 * with shared chunks beside its handler: one module graph, run with plain `node`.
 */
function adapter() {
	// precompress: every built asset also as .br and .gz, served by adapter-node with its
	// Content-Encoding when the browser accepts it (compressed once here, not per request).
	const node = nodeAdapter({ out, precompress: true });
	return {
		...node,
		name: 'tavolo-adapter-node',
		/** @param {import('@sveltejs/kit').Builder} builder */
		async adapt(builder) {
			await node.adapt(builder);
			await buildWorker();
			writeFileSync(
				`${out}/server.js`,
				[
					"// Tavolo's production entry, written by the adapter in svelte.config.js.",
					"import { main } from './instrumentation.server.js';",
					"await main({ loadHandler: () => import('./handler.js'), workerFile: new URL('./heavy-worker.js', import.meta.url) });",
					''
				].join('\n')
			);
		}
	};
}

/**
 * build/heavy-worker.js, the entry of the worker threads that diff and export documents
 * (server/heavy-worker.ts, src/lib/server/heavy-work.ts): a thread runs a file, not a module of the
 * server bundle. What it imports is plain TypeScript under src/lib/documents (no `$lib`, no
 * paraglide), bundled here; packages stay in node_modules, as for the server bundle.
 */
async function buildWorker() {
	const { build } = await import('vite');
	await build({
		configFile: false,
		logLevel: 'warn',
		build: {
			ssr: 'server/heavy-worker.ts',
			outDir: out,
			emptyOutDir: false,
			copyPublicDir: false,
			rolldownOptions: { output: { entryFileNames: 'heavy-worker.js', chunkFileNames: 'heavy-worker-[hash].js' } }
		}
	});
}

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter(),
		// src/instrumentation.server.ts is how the Node entry joins the server bundle (see above).
		experimental: { instrumentation: { server: true } },
		// Origin is checked for every state-changing request (forms and JSON alike) in
		// hooks.server.ts against the configured ORIGIN, so Kit's form-only check is off.
		csrf: { trustedOrigins: ['*'] },
		// Kit adds hashes or nonces for its own inline scripts ('auto'). Styles allow inline because
		// Svelte's style: directives and the editor's carets set style attributes. frame-ancestors
		// 'none': Tavolo is never framed (clickjacking).
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:'],
				'font-src': ['self', 'data:'],
				'connect-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		},
		// `npm run check` type-checks the Node entry and the scripts too, not only what src/ imports.
		typescript: {
			config: (tsconfig) => ({ ...tsconfig, include: [...tsconfig.include, '../server/**/*.ts', '../scripts/**/*.js', '../*.config.ts'] })
		}
	}
};

export default config;
