import pg from 'pg';
import { newId } from '../../src/lib/server/ids.ts';

/**
 * A fresh PostgreSQL database per test file when DATABASE_URL is set (dropped afterwards), so
 * files can run in parallel; undefined means "use the embedded PGlite".
 */
export async function createTestDatabase(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
	const base = process.env.DATABASE_URL;
	if (!base) return { url: undefined, drop: async () => {} };
	const name = `tavolo_test_${newId(6)}`;
	const admin = new pg.Client({ connectionString: base });
	await admin.connect();
	await admin.query(`create database ${name}`);
	await admin.end();
	const url = new URL(base);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		async drop() {
			const client = new pg.Client({ connectionString: base });
			await client.connect();
			await client.query(`drop database if exists ${name} with (force)`);
			await client.end();
		}
	};
}
