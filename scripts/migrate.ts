import { loadConfig } from '../server/config.ts';
import { openDatabase } from '../src/lib/server/db/connect.ts';
import { migrateToLatest } from '../src/lib/server/db/migrate.ts';

/** `npm run migrate`: brings the configured database to the latest schema (the server does it too). */
const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
	const { results } = await migrateToLatest(database.db);
	if (!results?.length) console.log('Database already up to date.');
	for (const result of results ?? []) console.log(`${result.status}: ${result.migrationName}`);
} finally {
	await database.close();
}
