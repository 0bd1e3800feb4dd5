import { defineConfig } from 'vitest/config';

/**
 * Unit and integration tests: real databases (PGlite by default, PostgreSQL when DATABASE_URL is
 * set), real servers on port 0, real sockets. Browser tests live in vitest.e2e.config.ts.
 */
export default defineConfig({
	resolve: {
		alias: { $lib: new URL('./src/lib', import.meta.url).pathname }
	},
	test: {
		include: ['src/**/*.spec.ts', 'server/**/*.spec.ts', 'tests/integration/**/*.spec.ts'],
		environment: 'node',
		globalSetup: ['tests/support/global-setup.ts'],
		// The built app is plain JavaScript for Node, not for Vite to transform again.
		server: { deps: { external: [/\/build\//] } },
		pool: 'forks',
		testTimeout: 30_000,
		hookTimeout: 60_000
	}
});
