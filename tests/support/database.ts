import { cp } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { newId } from '../../src/lib/server/ids.ts';
import { adminQuery } from './postgres-admin.ts';

/**
 * A fresh PostgreSQL database per test file when DATABASE_URL is set (dropped afterwards), so
 * files can run in parallel; undefined means "use the embedded PGlite". Either way it starts
 * migrated: a copy of the run's template (tests/support/global-setup.ts).
 */
export async function createTestDatabase(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
	const base = process.env.DATABASE_URL;
	if (!base) return { url: undefined, drop: async () => {} };
	const name = `tavolo_test_${newId(6)}`;
	const template = inject('postgresTemplate');
	await adminQuery(base, `create database ${name}${template ? ` template ${template}` : ''}`);
	const url = new URL(base);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		drop: () => adminQuery(base, `drop database if exists ${name} with (force)`)
	};
}

/** Puts a migrated embedded database into `dataDir` (TAVOLO_DATA_DIR), where the app opens it. */
export async function copyPgliteTemplate(dataDir: string): Promise<void> {
	await cp(path.join(inject('pgliteTemplate'), 'pglite'), path.join(dataDir, 'pglite'), { recursive: true });
}
