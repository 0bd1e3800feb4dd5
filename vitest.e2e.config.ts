import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Browser tests: each file starts the built app (build/, made by `npm run test:e2e`) on port 0
 * with a fresh database and drives Debian's Chromium through playwright-core.
 */
export default defineConfig({
	resolve: {
		alias: { $lib: new URL('./src/lib', import.meta.url).pathname }
	},
	test: {
		include: ['tests/e2e/**/*.e2e.ts'],
		environment: 'node',
		globalSetup: ['tests/support/global-setup.ts'],
		// The built app is plain JavaScript for Node, not for Vite to transform again.
		server: { deps: { external: [/\/build\//] } },
		pool: 'forks',
		// Chromium and the app wait on each other more than they compute: four files at once on a
		// 2-core machine took the browser suite from 126 s to 92 s.
		maxWorkers: Math.max(4, availableParallelism()),
		// A test with no assertion fails; expect.poll gets what a busy machine needs (it ends as soon as it holds).
		expect: { requireAssertions: true, poll: { timeout: 15_000 } },
		// Bounds a failure only: a scenario test of many steps on a busy 2-core machine (four browser
		// files at once, two nodes) took over 60 s while every step stayed within its own 20 s bound.
		testTimeout: 120_000,
		hookTimeout: 120_000
	}
});
