import { existsSync } from 'node:fs';
import type { Config } from '../../server/config.ts';
import type { RunningApp } from '../../server/app.ts';

const buildDir = new URL('../../build/', import.meta.url);

/**
 * The app as production runs it: the build's own server code and SvelteKit handler (one module
 * graph, plain JavaScript: `npm test` builds first), in this process so a test can look into its
 * context and services. The vitest configs leave build/ to Node (server.deps.external).
 */
export async function startBuiltApp(config: Config): Promise<RunningApp> {
	const entry = new URL('instrumentation.server.js', buildDir);
	if (!existsSync(entry)) throw new Error('build/ is missing: run `npm run build` (npm test builds when needed)');
	const built = (await import(entry.href)) as typeof import('../../src/instrumentation.server.ts');
	return built.startApp(config, {
		loadHandler: () => import(new URL('handler.js', buildDir).href),
		workerFile: new URL('heavy-worker.js', buildDir)
	});
}
