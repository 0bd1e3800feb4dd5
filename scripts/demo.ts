import { loadConfig } from '../server/config.ts';
import { openDatabase } from '../src/lib/server/db/connect.ts';
import { migrateToLatest } from '../src/lib/server/db/migrate.ts';
import { loadDemoData, DEMO_PASSWORD } from '../src/lib/server/demo/demo-data.ts';

/**
 * `npm run demo`: loads a fictional programme with three territorial tables, members of every
 * role and a first meeting. With the embedded database, stop the server first (one process at a
 * time may open the data folder).
 */
const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
	await migrateToLatest(database.db);
	const result = await loadDemoData(database.db);
	if (!result.created) {
		console.log('The demo programme is already there; nothing changed.');
	} else {
		console.log(`Demo loaded: ${result.tables} tables, ${result.people.length} people, first meetings scheduled.`);
		console.log(`Every demo account has the password "${DEMO_PASSWORD}":`);
		for (const person of result.people) console.log(`  ${person.email.padEnd(36)} ${person.description}`);
	}
} finally {
	await database.close();
}
