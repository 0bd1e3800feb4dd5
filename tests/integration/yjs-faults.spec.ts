import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isCoveredBy, messageDurable, readDurable, snapshotOfUpdates } from '../../src/lib/realtime/yjs-messages.ts';
import { ApiClient } from '../support/app.ts';
import { copyPgliteTemplate, createTestDatabase } from '../support/database.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.ts';
import { freePort, killAllServerProcesses, startServerProcess, type ServerProcess } from '../support/server-process.ts';

/**
 * Issue 3's fault tests, against `build/server.js` in its own process: a SIGKILL of the server
 * (nothing flushed on the way out) and a PostgreSQL outage in the middle of editing. The clients
 * are the stock y-websocket provider, as in the browser, keeping their documents across the fault.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, timeoutMs: number, what: string, detail?: () => string): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
		await sleep(20);
	}
}

/**
 * Whether a client's network reaches the server. While it is down, each reconnection attempt of
 * the provider goes to a closed port and fails, so its ordinary reconnect loop keeps running.
 * Used to let a fresh client read what the server has before the old ones can re-send anything.
 */
interface Link {
	up: boolean;
}
const unreachable = 'ws://127.0.0.1:1/';

interface EditorClient {
	doc: Y.Doc;
	text: Y.Text;
	provider: WebsocketProvider;
	/** The latest durable ack (message 101): the server has committed everything in it. */
	durable: Y.Snapshot | null;
	/** Connections opened so far ('connected' status events). */
	connections: number;
	/** Every edit made by this client is in the server's latest durable ack to it (as the browser judges). */
	isSaved(): boolean;
	destroy(): void;
}

const clients: EditorClient[] = [];

function openClient(yjsUrl: string, origin: string, docName: string, cookie: string, link: Link = { up: true }): EditorClient {
	const headers = { Cookie: cookie, Origin: origin };
	class BrowserLikeSocket extends WebSocket {
		constructor(address: string | URL, protocols?: string | string[]) {
			super(link.up ? address : unreachable, protocols, { headers });
		}
	}
	const doc = new Y.Doc();
	/** This client's own updates: acks go to a commit's writers and cover what they wrote. */
	const own: Uint8Array[] = [];
	const provider = new WebsocketProvider(yjsUrl, docName, doc, {
		WebSocketPolyfill: BrowserLikeSocket as unknown as typeof globalThis.WebSocket,
		disableBc: true,
		maxBackoffTime: 200
	});
	const client: EditorClient = {
		doc,
		text: doc.getText('body'),
		provider,
		durable: null,
		connections: 0,
		isSaved: () => client.durable !== null && (own.length === 0 || isCoveredBy(snapshotOfUpdates(own), client.durable)),
		destroy() {
			provider.destroy();
			doc.destroy();
		}
	};
	provider.messageHandlers[messageDurable] = (_encoder, decoder) => {
		client.durable = readDurable(decoder);
	};
	doc.on('update', (update: Uint8Array, origin: unknown) => {
		if (origin !== provider) own.push(update);
	});
	provider.on('status', ({ status }) => {
		if (status === 'connected') client.connections += 1;
	});
	clients.push(client);
	return client;
}

const synced = (client: EditorClient, timeoutMs = 10_000) => waitFor(() => client.provider.synced, timeoutMs, 'sync');

/**
 * The edits: `count` small transactions, each inserting one token like `<a017>` at the start or
 * the end of the text (never inside another token, so every token stays whole) and, every tenth
 * edit, deleting one of the client's own earlier tokens. Resolves with the tokens that must be
 * in the text at the end.
 */
async function typeTokens(
	client: EditorClient,
	who: string,
	count: number,
	pauseMs: number,
	onEdit?: (i: number) => void
): Promise<string[]> {
	const token = (i: number) => `<${who}${String(i).padStart(3, '0')}>`;
	const alive = new Set<string>();
	for (let i = 0; i < count; i++) {
		client.text.insert(i % 2 === 0 ? client.text.length : 0, token(i));
		alive.add(token(i));
		if (i % 10 === 9) {
			const victim = token(i - 5);
			client.text.delete(client.text.toString().indexOf(victim), victim.length);
			alive.delete(victim);
		}
		onEdit?.(i);
		await sleep(pauseMs);
	}
	return [...alive];
}

/**
 * The text holds exactly the expected tokens, each once, and nothing else (no token cut apart).
 * Reported as missing/extra lists: a diff of 360 tokens would bury the few that matter.
 */
function expectTokens(text: string, expected: string[]): void {
	const tokens: string[] = text.match(/<[a-z]\d{3}>/g) ?? [];
	expect(tokens.join(''), 'text made of whole tokens only').toBe(text);
	const missing = expected.filter((token) => !tokens.includes(token));
	const extra = tokens.filter((token, i) => !expected.includes(token) || tokens.indexOf(token) !== i);
	expect({ missing, extra }).toEqual({ missing: [], extra: [] });
}

const hasAll = (client: EditorClient, expected: string[]) => {
	const text = client.text.toString();
	return expected.every((token) => text.includes(token));
};

/** A table with a document, its coordinator (admin) and a participant, made over the HTTP API. */
async function createPeople(url: string) {
	const admin = new ApiClient(url);
	await admin.signUp('coordinatrice@sds.example', 'Giulia Coordinatrice');
	const table = await admin.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna Pistoiese' });
	if (table.status !== 201) throw new Error(`table: ${table.status} ${table.text}`);
	const invitation = await admin.post(`/api/v1/tables/${table.body.id}/invitations`, { role: 'participant' });
	if (invitation.status !== 201) throw new Error(`invitation: ${invitation.status} ${invitation.text}`);
	const member = new ApiClient(url);
	await member.signUp('sindaca@comune.example', 'Sindaca');
	const accepted = await member.post(`/api/v1/invitations/${invitation.body.token}/accept`);
	if (accepted.status !== 201) throw new Error(`accept: ${accepted.status} ${accepted.text}`);
	return {
		cookies: [admin.sessionCookie, member.sessionCookie],
		async newDocument(title: string): Promise<string> {
			const created = await admin.post(`/api/v1/tables/${table.body.id}/documents`, { kind: 'protocol', title });
			if (created.status !== 201) throw new Error(`document: ${created.status} ${created.text}`);
			return created.body.docName as string;
		}
	};
}

/** The document as the database holds it (snapshot + log), read without any Tavolo process. */
async function storedText(databaseUrl: string, docName: string): Promise<string> {
	const client = new pg.Client({ connectionString: databaseUrl });
	await client.connect();
	try {
		const snapshot = await client.query<{ state: Buffer }>('select state from yjs_snapshots where doc_name = $1', [docName]);
		const log = await client.query<{ update: Buffer }>('select update from yjs_updates where doc_name = $1 order by id', [docName]);
		const doc = new Y.Doc();
		for (const row of [...snapshot.rows.map((r) => r.state), ...log.rows.map((r) => r.update)]) Y.applyUpdate(doc, new Uint8Array(row));
		return doc.getText('body').toString();
	} finally {
		await client.end();
	}
}

/** About 440 edits per test: the log is compacted a few times while edits, kills and outages happen. */
const compactOften = { TAVOLO_YJS_COMPACT_AFTER: '100' };

/**
 * For the outage: a commit per edit and a compaction every few rows keep pooled connections busy,
 * so PostgreSQL's shutdown finds some checked out, as it would in a busy room.
 */
const busyDatabase = { TAVOLO_YJS_COMPACT_AFTER: '5', TAVOLO_YJS_COMMIT_DELAY_MS: '1' };

afterEach(() => {
	for (const client of clients.splice(0)) client.destroy();
});

describe('kill -9 of the server', () => {
	let port: number;
	let dataDir: string;
	let database: Awaited<ReturnType<typeof createTestDatabase>>;
	let server: ServerProcess;
	let people: Awaited<ReturnType<typeof createPeople>>;

	const start = async () => {
		server = await startServerProcess({
			port,
			env: { ...compactOften, TAVOLO_DATA_DIR: dataDir, ...(database.url ? { DATABASE_URL: database.url } : {}) }
		});
	};

	beforeAll(async () => {
		port = await freePort();
		dataDir = await mkdtemp(path.join(tmpdir(), 'tavolo-faults-'));
		// PGlite in dataDir, or a fresh PostgreSQL database when DATABASE_URL is set.
		database = await createTestDatabase();
		if (!database.url) await copyPgliteTemplate(dataDir);
		await start();
		people = await createPeople(server.url);
	});

	afterAll(async () => {
		await killAllServerProcesses();
		await database?.drop();
		if (dataDir) await rm(dataDir, { recursive: true, force: true });
	});

	it('loses nothing when killed one second after the last edit', async () => {
		const docName = await people.newDocument('Protocollo (kill -9 a riposo)');
		const link: Link = { up: true };
		const a = openClient(server.yjsUrl, server.url, docName, people.cookies[0], link);
		const b = openClient(server.yjsUrl, server.url, docName, people.cookies[1], link);
		await Promise.all([synced(a), synced(b)]);

		const typed = await Promise.all([typeTokens(a, 'a', 200, 2), typeTokens(b, 'b', 200, 2)]);
		const expected = typed.flat();
		await waitFor(() => hasAll(a, expected) && a.text.toString() === b.text.toString(), 10_000, 'a and b to converge', server.describe);
		await sleep(1000);

		// The old clients stay cut off until a fresh one has read what the new process loaded.
		link.up = false;
		await server.kill('SIGKILL');
		const connectionsBefore = [a.connections, b.connections];
		await start();
		const fresh = openClient(server.yjsUrl, server.url, docName, people.cookies[1]);
		await synced(fresh);
		expectTokens(fresh.text.toString(), expected);
		expect(fresh.text.toString()).toBe(a.text.toString());
		expect([a.connections, b.connections], 'old clients kept away until now').toEqual(connectionsBefore);

		// The old providers, with their documents, find the new process on the same port by
		// themselves and go on editing with it.
		link.up = true;
		await waitFor(
			() => a.connections > connectionsBefore[0] && b.connections > connectionsBefore[1] && a.provider.synced && b.provider.synced,
			10_000,
			'old clients to reconnect'
		);
		a.text.insert(0, '<a999>');
		await waitFor(
			() => fresh.text.toString() === a.text.toString() && b.text.toString() === a.text.toString(),
			5000,
			'an edit after the restart'
		);
		expectTokens(b.text.toString(), [...expected, '<a999>']);
		await waitFor(() => a.isSaved(), 5000, 'durable ack of the edit after the restart');
	});

	it('loses nothing when killed while edits stream: the clients re-sync what they had', async () => {
		const docName = await people.newDocument('Protocollo (kill -9 in corsa)');
		const link: Link = { up: true };
		const a = openClient(server.yjsUrl, server.url, docName, people.cookies[0], link);
		const b = openClient(server.yjsUrl, server.url, docName, people.cookies[1], link);
		await Promise.all([synced(a), synced(b)]);

		// Killed after a's 60th edit; the next process starts at once, while the clients still type
		// (first offline, then through their reconnected providers).
		let restarted: Promise<void> | undefined;
		const typed = await Promise.all([
			typeTokens(a, 'a', 200, 10, (i) => {
				if (i === 60) restarted = server.kill('SIGKILL').then(start);
			}),
			typeTokens(b, 'b', 200, 10)
		]);
		await restarted;
		const expected = typed.flat();
		await waitFor(
			() => hasAll(a, expected) && a.text.toString() === b.text.toString() && a.isSaved() && b.isSaved(),
			15_000,
			'a and b to converge and be told everything is saved',
			() =>
				`a saved: ${a.isSaved()}, b saved: ${b.isSaved()}, a has all: ${hasAll(a, expected)}, b has all: ${hasAll(b, expected)}; ${server.describe()}`
		);

		// The acks said "saved": a second kill must not take anything back.
		link.up = false;
		await server.kill('SIGKILL');
		const connectionsBefore = [a.connections, b.connections];
		await start();
		const fresh = openClient(server.yjsUrl, server.url, docName, people.cookies[0]);
		await synced(fresh);
		expectTokens(fresh.text.toString(), expected);
		expect(fresh.text.toString()).toBe(a.text.toString());
		expect([a.connections, b.connections], 'old clients kept away until now').toEqual(connectionsBefore);
		link.up = true;
	});
});

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
		await waitFor(() => editsOfA >= 50, 10_000, 'the first edits');
		await db.stop();
		const editsAtStop = editsOfA;

		// The room goes on without its database: b still receives a's new edits…
		await waitFor(() => editsOfA >= editsAtStop + 5, 5000, 'edits during the outage', server.describe);
		const duringOutage = `<a${String(editsAtStop + 2).padStart(3, '0')}>`;
		await waitFor(() => b.text.toString().includes(duringOutage), 5000, 'an edit made during the outage to reach b', server.describe);
		// …while the health check says the database is gone, and commits have been failing.
		const health = await fetch(`${server.url}/healthz`);
		expect(health.status).toBe(503);
		expect(await health.json()).toMatchObject({ status: 'degraded' });
		const metrics = await (await fetch(`${server.url}/metrics`)).text();
		expect(Number(/^tavolo_yjs_persist_failures_total (\d+)/m.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(0);
		expect(a.isSaved()).toBe(false);
		expect([a.connections, b.connections], 'no client was disconnected by the outage').toEqual([1, 1]);

		await waitFor(() => editsOfA >= 150, 10_000, 'more edits during the outage');
		await db.start();
		const expected = (await typing).flat();
		await waitFor(
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
