import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sveltekit } from '@sveltejs/kit/vite';
import { paraglideVitePlugin } from '@inlang/paraglide-js';
import { PurgeCSS } from 'purgecss';
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

const require = createRequire(import.meta.url);

/**
 * Every file whose text may name a class or an icon: components, modules, the page shell (the
 * compiled messages excepted: plain text).
 */
function appSources(): string[] {
	return readdirSync('src', { recursive: true, encoding: 'utf8' })
		.filter((file) => /\.(svelte|ts|js|html)$/.test(file) && !file.startsWith('lib/paraglide/'))
		.map((file) => `src/${file}`);
}

/**
 * Elements reboot and type styles apply to that may reach a page without being written in src/:
 * the drafts, versions and diffs rendered to HTML ({@html}) from the editor's schema.
 */
const renderedElements = [
	'html',
	'body',
	'p',
	'a',
	'h1',
	'h2',
	'h3',
	'h4',
	'h5',
	'h6',
	'ul',
	'ol',
	'li',
	'blockquote',
	'pre',
	'code',
	'hr',
	'br'
];
const moreRenderedElements = [
	'table',
	'thead',
	'tbody',
	'tr',
	'th',
	'td',
	'strong',
	'b',
	'em',
	'i',
	's',
	'u',
	'mark',
	'ins',
	'del',
	'sub',
	'sup',
	'img'
];

/**
 * bootstrap-italia's stylesheet is 556 KiB, of which a page uses a few percent: the build keeps
 * only the rules whose classes, elements and attributes appear in src/ (PurgeCSS). Classes made
 * at run time from parts (`icon-{size}`, `btn-{variant}`) are kept by name; attribute selectors
 * (aria-*, data-*, the states bits-ui sets), CSS variables, keyframes and font faces always stay,
 * and so do the focus and contrast rules of kept elements (WCAG 2.4.7, 1.4.3). `npm run dev`
 * serves the whole sheet.
 */
function bootstrapItaliaPurge(): Plugin {
	return {
		name: 'tavolo-bootstrap-italia-purge',
		apply: 'build',
		enforce: 'pre',
		async transform(code, id) {
			if (!/\/bootstrap-italia\/dist\/css\/bootstrap-italia\.min\.css(\?|$)/.test(id)) return null;
			const [result] = await new PurgeCSS().purge({
				content: appSources(),
				css: [{ raw: code }],
				safelist: {
					standard: [
						...renderedElements,
						...moreRenderedElements,
						/^icon-(xs|sm|md|primary|white|success|danger|secondary)$/,
						/^btn-(outline-)?(primary|danger)$/
					],
					greedy: [/aria-/, /data-/, /role/]
				}
			});
			return { code: result.css, map: null };
		}
	};
}

/**
 * `virtual:tavolo-icons`: the bootstrap-italia icons Tavolo names (any `it-…` string in src/ that
 * is a symbol of the sprite), each as its viewBox and inner SVG, for Icon.svelte to inline: the
 * page gets the few icons it shows, not the 92 KiB sprite of all 179.
 */
function bootstrapItaliaIcons(): Plugin {
	const virtualId = 'virtual:tavolo-icons';
	const resolvedId = `\0${virtualId}`;
	return {
		name: 'tavolo-bootstrap-italia-icons',
		resolveId: (id) => (id === virtualId ? resolvedId : null),
		async load(id) {
			if (id !== resolvedId) return null;
			const sprite = readFileSync(require.resolve('bootstrap-italia/dist/svg/sprites.svg'), 'utf8');
			const symbols = new Map<string, { viewBox: string; body: string }>();
			for (const match of sprite.matchAll(/<symbol\s+id="([^"]+)"\s+viewBox="([^"]+)"[^>]*>([\s\S]*?)<\/symbol>/g)) {
				symbols.set(match[1], { viewBox: match[2], body: match[3] });
			}
			const used: Record<string, { viewBox: string; body: string }> = {};
			for (const file of appSources()) {
				this.addWatchFile(file);
				for (const [name] of readFileSync(file, 'utf8').matchAll(/\bit-[a-z0-9-]+/g)) {
					const symbol = symbols.get(name);
					if (symbol) used[name] = symbol;
				}
			}
			return `export default ${JSON.stringify(used)};`;
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
		bootstrapItaliaPurge(),
		bootstrapItaliaIcons(),
		sveltekit(),
		tavoloDevServer()
	],
	server: { port: 5173 },
	// The slow-plugin report names SvelteKit's own steps at every build: nothing to act on here.
	build: { rolldownOptions: { checks: { bundlerTimings: false } } }
});
