import { defineConfig } from 'vitest/config';

/**
 * Fault scripts (tests/faults/): real server processes killed with SIGKILL, a PostgreSQL of their
 * own restarted, hundreds of clients reconnecting; and the latency check of diffs and exports
 * (heavy-work-latency.fault.ts), which must not share the machine with other test files.
 * `FAULT_TRIALS=short` (default) is CI's quick form; `npm run faults` runs the full one. They run on PostgreSQL, as CI does: each script makes
 * a fresh database next to DATABASE_URL (the local server on 5432 when unset).
 * One file at a time: each one loads the machine on purpose, and timing out a neighbour would
 * hide what a fault did.
 */
export default defineConfig({
	resolve: {
		alias: { $lib: new URL('./src/lib', import.meta.url).pathname }
	},
	test: {
		include: ['tests/faults/**/*.fault.ts'],
		environment: 'node',
		globalSetup: ['tests/support/global-setup.ts'],
		// The built app is plain JavaScript for Node, not for Vite to transform again.
		server: { deps: { external: [/\/build\//] } },
		pool: 'forks',
		fileParallelism: false,
		expect: { requireAssertions: true, poll: { timeout: 15_000 } },
		testTimeout: 60 * 60_000,
		hookTimeout: 180_000,
		env: { DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' }
	}
});
