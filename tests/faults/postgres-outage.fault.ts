import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
	busyDatabase,
	closeClients,
	createPeople,
	expectTokens,
	hasAll,
	openClient,
	storedText,
	synced,
	typeTokens,
	type Link
} from '../support/editor-clients.ts';
import { waitUntil } from '../support/wait-until.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.ts';
import { scrapeMetrics } from '../support/metrics.ts';
import { freePort, killAllServerProcesses, startServerProcess, type ServerProcess } from '../support/server-process.ts';

/**
 * PostgreSQL stopped in the middle of co-editing, on a PostgreSQL of the test's own (the shared
 * one must never be stopped): the room goes on, /healthz and the metrics tell, nobody is
 * disconnected, and once PostgreSQL is back every edit is committed, exactly as typed. It runs
 * once per CI run here, beside postgres-restart (votes and repeated outages).
 */

afterEach(closeClients);

describe('PostgreSQL restart in the middle of editing', () => {
	let postgres: PrivatePostgres | undefined;
	let server: ServerProcess;
	let port: number;
	let dataDir: string;
	let people: Awaited<ReturnType<typeof createPeople>>;

	const start = async () => {
		server = await startServerProcess({ port, env: { ...busyDatabase, TAVOLO_DATA_DIR: dataDir, DATABASE_URL: postgres!.url } });
	};

	beforeAll(async () => {
		// Its own PostgreSQL, whatever DATABASE_URL says: the shared one must never be stopped.
		postgres = await startPrivatePostgres();
		port = await freePort();
		dataDir = await mkdtemp(path.join(tmpdir(), 'tavolo-faults-'));
		await start();
		people = await createPeople(server.url);
	});

	afterAll(async () => {
		await killAllServerProcesses();
		await postgres?.dispose();
		if (dataDir) await rm(dataDir, { recursive: true, force: true });
	});

	it('keeps the room working while PostgreSQL is down and commits every edit once it is back', async () => {
		const db = postgres!;
		const docName = await people.newDocument('Protocollo (PostgreSQL giù)');
		const link: Link = { up: true };
		const a = openClient(server.yjsUrl, server.url, docName, people.cookies[0], link);
		const b = openClient(server.yjsUrl, server.url, docName, people.cookies[1], link);
		await Promise.all([synced(a), synced(b)]);

		let editsOfA = 0;
		const typing = Promise.all([
			typeTokens(a, 'a', 200, 10, (i) => {
				editsOfA = i + 1;
			}),
			typeTokens(b, 'b', 200, 10)
		]);
		await waitUntil(() => editsOfA >= 50, 10_000, 'the first edits');
		await db.stop();
		const editsAtStop = editsOfA;

		// The room goes on without its database: b still receives a's new edits…
		await waitUntil(() => editsOfA >= editsAtStop + 5, 5000, 'edits during the outage', server.describe);
		const duringOutage = `<a${String(editsAtStop + 2).padStart(3, '0')}>`;
		await waitUntil(() => b.text.toString().includes(duringOutage), 5000, 'an edit made during the outage to reach b', server.describe);
		// …while the health check says the database is gone, and commits have been failing.
		const health = await fetch(`${server.url}/healthz`);
		expect(health.status).toBe(503);
		expect(await health.json()).toMatchObject({ status: 'degraded' });
		const metrics = await scrapeMetrics(server.url);
		expect(Number(/^tavolo_yjs_persist_failures_total (\d+)/m.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(0);
		expect(a.isSaved()).toBe(false);
		expect([a.connections, b.connections], 'no client was disconnected by the outage').toEqual([1, 1]);

		await waitUntil(() => editsOfA >= 150, 10_000, 'more edits during the outage');
		await db.start();
		const expected = (await typing).flat();
		await waitUntil(
			() => hasAll(a, expected) && a.text.toString() === b.text.toString() && a.isSaved() && b.isSaved(),
			15_000,
			'the durable acks to cover every edit',
			() => `a saved: ${a.isSaved()}, b saved: ${b.isSaved()}; ${server.describe()}`
		);
		expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

		// What the acks promised is in the database: read it with no Tavolo process running…
		link.up = false;
		await server.kill('SIGKILL');
		const stored = await storedText(db.url, docName);
		expectTokens(stored, expected);
		expect(stored).toBe(a.text.toString());
		// …and as a new process serves it.
		await start();
		const fresh = openClient(server.yjsUrl, server.url, docName, people.cookies[1]);
		await synced(fresh);
		expect(fresh.text.toString()).toBe(a.text.toString());
		link.up = true;
	});
});
