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
		pool: 'forks',
		testTimeout: 30_000,
		hookTimeout: 60_000
	}
});
