import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type DatabaseHandle } from '../../src/lib/server/db/connect.ts';
import { migrateToLatest } from '../../src/lib/server/db/migrate.ts';
import { ensureDefaultProgramme } from '../../src/lib/server/programmes/service.ts';
import { copyPgliteTemplate, createTestDatabase } from './database.ts';

/** A migrated database for service-level tests: a copy of the run's PGlite template, or a fresh PostgreSQL one. */
export async function openTestDatabase(): Promise<DatabaseHandle & { dispose(): Promise<void> }> {
	const database = await createTestDatabase();
	const dataDir = await mkdtemp(path.join(tmpdir(), 'tavolo-db-'));
	if (!database.url) await copyPgliteTemplate(dataDir);
	const handle = await openDatabase({ databaseUrl: database.url, dataDir });
	// Already migrated when copied from the run's template; a run without one (a config with no
	// global setup) migrates here. Either way a single query when there is nothing to do.
	await migrateToLatest(handle.db);
	await ensureDefaultProgramme(handle.db);
	return {
		...handle,
		async dispose() {
			await handle.close();
			await database.drop();
			await rm(dataDir, { recursive: true, force: true });
		}
	};
}
