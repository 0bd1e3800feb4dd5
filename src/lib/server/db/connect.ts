import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export interface DatabaseOptions {
	/** PostgreSQL connection string; when absent the embedded PGlite in `dataDir` is used. */
	databaseUrl: string | undefined;
	dataDir: string;
	/** Use an in-memory PGlite (tests); ignored when databaseUrl is set. */
	inMemory?: boolean;
	/** Connections in the PostgreSQL pool (TAVOLO_DB_POOL_SIZE); default 10, node-postgres's own. */
	poolSize?: number;
}

export interface DatabaseHandle {
	db: Db;
	kind: 'postgres' | 'pglite';
	/** Cheap round trip used by /healthz. */
	ping(): Promise<void>;
	close(): Promise<void>;
}

// node-postgres returns bigint (int8) as string by default; our counters fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
	if (options.databaseUrl) {
		const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
		// An idle client losing its connection (PostgreSQL restart) must not crash the process;
		// the pool drops it and the next query opens a new one.
		pool.on('error', () => {});
		// A checked-out client has no pool listener: a server-side termination (restart, failover)
		// would be an unhandled 'error' event and end the process. The error still rejects the
		// query in progress or the next one, and the pool discards the client on release.
		pool.on('connect', (client) => client.on('error', () => {}));
		const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
		return {
			db,
			kind: 'postgres',
			ping: async () => {
				await pool.query('select 1');
			},
			close: () => db.destroy()
		};
	}

	const { PGlite } = await import('@electric-sql/pglite');
	const { PGliteDialect } = await import('kysely-pglite-dialect');
	let dataDir: string | undefined;
	if (!options.inMemory) {
		dataDir = path.resolve(options.dataDir, 'pglite');
		await mkdir(dataDir, { recursive: true });
	}
	const client = await PGlite.create(dataDir);
	const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
	return {
		db,
		kind: 'pglite',
		ping: async () => {
			await client.query('select 1');
		},
		close: () => db.destroy()
	};
}
