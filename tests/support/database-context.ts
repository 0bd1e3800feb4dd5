import { openDatabase, type DatabaseHandle } from '../../src/lib/server/db/connect.ts';
import { migrateToLatest } from '../../src/lib/server/db/migrate.ts';
import { ensureDefaultProgramme } from '../../src/lib/server/programmes/service.ts';
import { createTestDatabase } from './database.ts';

/** A migrated database for service-level tests: in-memory PGlite, or a fresh PostgreSQL one. */
export async function openTestDatabase(): Promise<DatabaseHandle & { dispose(): Promise<void> }> {
	const database = await createTestDatabase();
	const handle = await openDatabase({ databaseUrl: database.url, dataDir: '', inMemory: true });
	await migrateToLatest(handle.db);
	await ensureDefaultProgramme(handle.db);
	return {
		...handle,
		async dispose() {
			await handle.close();
			await database.drop();
		}
	};
}
