import pg from 'pg';

/** One statement on its own connection: `create database`, `drop database` (which no pool may hold). */
export async function adminQuery(connectionString: string, sql: string): Promise<void> {
	const client = new pg.Client({ connectionString });
	await client.connect();
	try {
		await client.query(sql);
	} finally {
		await client.end();
	}
}
