import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/lib/server/db/connect.ts';
import { migrateToLatest } from '../../src/lib/server/db/migrate.ts';
import { newId } from '../../src/lib/server/ids.ts';
import { adminQuery } from './postgres-admin.ts';
import { ensureDefaultProgramme } from '../../src/lib/server/programmes/service.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

declare module 'vitest' {
	export interface ProvidedContext {
		/** A migrated PGlite data folder (its `pglite/` inside) that each test copies: tests/support/database.ts. */
		pgliteTemplate: string;
		/** With DATABASE_URL: a migrated PostgreSQL database each test database is created from. */
		postgresTemplate: string;
	}
}

/**
 * Once per vitest run, before any test file:
 * - the build: the tests run the built app (tests/support/built-app.ts in process,
 *   build/server.js as a child), so it is made first when the sources are newer;
 * - one migrated database to copy: PGlite's initdb and the migrations cost seconds per database,
 *   a copy of a migrated one a fraction of that (PGlite: a data folder; PostgreSQL: a template database).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const build = spawnSync(process.execPath, ['scripts/ensure-build.js'], { cwd: root, stdio: 'inherit' });
	if (build.status !== 0) throw new Error('the build failed (scripts/ensure-build.js): see its output above');

	const templateDir = await mkdtemp(path.join(tmpdir(), 'tavolo-template-'));
	await migrateTemplate({ databaseUrl: undefined, dataDir: templateDir });
	project.provide('pgliteTemplate', templateDir);

	const baseUrl = process.env.DATABASE_URL;
	const postgresTemplate = baseUrl ? `tavolo_template_${newId(8)}` : '';
	if (baseUrl) {
		await adminQuery(baseUrl, `create database ${postgresTemplate}`);
		const url = new URL(baseUrl);
		url.pathname = `/${postgresTemplate}`;
		await migrateTemplate({ databaseUrl: url.toString(), dataDir: '' });
	}
	project.provide('postgresTemplate', postgresTemplate);

	return async () => {
		await rm(templateDir, { recursive: true, force: true });
		if (baseUrl) await adminQuery(baseUrl, `drop database if exists ${postgresTemplate} with (force)`);
	};
}

async function migrateTemplate(options: { databaseUrl: string | undefined; dataDir: string }): Promise<void> {
	const database = await openDatabase(options);
	try {
		await migrateToLatest(database.db);
		await ensureDefaultProgramme(database.db);
	} finally {
		await database.close();
	}
}
