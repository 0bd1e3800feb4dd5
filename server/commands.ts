import type { Config } from './config.ts';
import { openDatabase, type DatabaseHandle } from '../src/lib/server/db/connect.ts';
import { migrateToLatest } from '../src/lib/server/db/migrate.ts';
import { loadDemoData, DEMO_PASSWORD } from '../src/lib/server/demo/demo-data.ts';

/**
 * The one-off commands of build/server.js (`npm run migrate`, `npm run demo`), beside serving.
 * With the embedded database, stop the server first: one process at a time may open the data folder.
 */
export const commands = {
	/** Brings the configured database to the latest schema (the server does it at start too). */
	async migrate(config: Config) {
		await withDatabase(config, async (database) => {
			const { results } = await migrateToLatest(database.db);
			if (!results?.length) console.log('Database already up to date.');
			for (const result of results ?? []) console.log(`${result.status}: ${result.migrationName}`);
		});
	},

	/** Loads a fictional programme with three territorial tables, members of every role and a first meeting. */
	async demo(config: Config) {
		await withDatabase(config, async (database) => {
			await migrateToLatest(database.db);
			const result = await loadDemoData(database.db);
			if (!result.created) {
				console.log('The demo programme is already there; nothing changed.');
				return;
			}
			console.log(`Demo loaded: ${result.tables} tables, ${result.people.length} people, first meetings scheduled.`);
			console.log(`Every demo account has the password "${DEMO_PASSWORD}":`);
			for (const person of result.people) console.log(`  ${person.email.padEnd(36)} ${person.description}`);
		});
	}
} satisfies Record<string, (config: Config) => Promise<void>>;

export type CommandName = keyof typeof commands;

export function isCommandName(name: string | undefined): name is CommandName {
	return name !== undefined && Object.hasOwn(commands, name);
}

async function withDatabase(config: Config, work: (database: DatabaseHandle) => Promise<void>): Promise<void> {
	const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
	try {
		await work(database);
	} finally {
		await database.close();
	}
}
