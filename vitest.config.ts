import { svelte } from '@sveltejs/vite-plugin-svelte';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { slowTests } from './tests/support/slow-tests.ts';

/**
 * Unit and integration tests: real databases (PGlite by default, PostgreSQL when DATABASE_URL is
 * set), real servers on port 0, real sockets. Browser tests live in vitest.e2e.config.ts.
 */
export default defineConfig({
	plugins: [
		// Runes modules (`*.svelte.ts`: the browser's state classes and their specs) are compiled
		// for the browser, as the app ships them; in the 'node' environment they would be compiled
		// for SSR, where $state is a plain field, $derived recomputes on every read and $effect
		// never runs. Components (`*.svelte`) keep the environment's default.
		svelte({ dynamicCompileOptions: ({ filename }) => (filename.endsWith('.svelte') ? undefined : { generate: 'client' }) })
	],
	resolve: {
		alias: { $lib: new URL('./src/lib', import.meta.url).pathname }
	},
	test: {
		include: ['src/**/*.spec.ts', 'server/**/*.spec.ts', 'tests/integration/**/*.spec.ts'],
		// The slowest files run with `npm run test:slow` (vitest.slow.config.ts; CI runs both).
		exclude: ['**/node_modules/**', ...slowTests],
		environment: 'node',
		globalSetup: ['tests/support/global-setup.ts'],
		// The built app is plain JavaScript for Node, not for Vite to transform again.
		server: { deps: { external: [/\/build\//] } },
		pool: 'forks',
		// The tests spend most of their time waiting on sockets, timers and the database, not on
		// the CPU: four files at once on a 2-core machine took the suite from 171 s to 122 s (and
		// the two-node pass from 145 s to 75 s). Waits end on conditions, never on luck.
		maxWorkers: Math.max(4, availableParallelism()),
		// A test with no assertion fails; expect.poll gets what a busy machine needs (it ends as soon as it holds).
		expect: { requireAssertions: true, poll: { timeout: 10_000 } },
		// Limits that only end a hang: waits end on conditions, so a passing test never waits for them.
		// 30 s was too short for tests that hash passwords or start servers at load 20 on 2 cores.
		testTimeout: 120_000,
		hookTimeout: 60_000
	}
});
