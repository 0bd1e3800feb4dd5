import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import { WebsocketProvider } from 'y-websocket';
import { loadConfig } from '../../server/config.ts';
import type { RunningApp } from '../../server/app.ts';
import { startBuiltApp } from './built-app.ts';
import { signUp } from '../../src/lib/server/accounts/service.ts';
import { createTable } from '../../src/lib/server/tables/service.ts';
import { createDocument } from '../../src/lib/server/documents/service.ts';
import { createMeeting } from '../../src/lib/server/meetings/service.ts';
import { newId } from '../../src/lib/server/ids.ts';
import { SESSION_COOKIE, type SessionUser } from '../../src/lib/server/auth/sessions.ts';
import type { TableRole } from '../../src/lib/domain/tables.ts';
import { authenticateUpgrade } from '../../server/upgrade-auth.ts';
import { createSyncEndpoint, type SyncEndpoint } from '../../server/yjs/sync-endpoint.ts';
import type { YjsLimits } from '../../server/yjs/limits.ts';
import type { YjsStore } from '../../server/persistence/yjs-store.ts';
import type { DocRelay } from '../../server/cluster/cluster.ts';
import type { Events, MembershipChanges } from '../../src/lib/server/events.ts';
import { clusterEnvironment, startTestPeers, type TestPeers } from './cluster.ts';
import { copyPgliteTemplate, createTestDatabase } from './database.ts';
import { waitUntil } from './wait-until.ts';
import {
	isCoveredBy,
	messageDurable,
	messageReadOnly,
	messageSync,
	readDurable,
	readReadOnly,
	snapshotOfUpdates,
	tavoloNoticeParams,
	type ReadOnlyNotice
} from '../../src/lib/realtime/yjs-messages.ts';

/**
 * A Tavolo server for /yjs tests, on PGlite in a temporary data folder (the default) or, when
 * DATABASE_URL is set, on a fresh PostgreSQL database made for this test file and dropped after.
 * Either way `restart()` reopens the same data, so persistence across restarts can be checked.
 */
export interface YjsTestServer {
	app: RunningApp;
	/** ws://host:port/yjs */
	yjsUrl: string;
	restart(): Promise<void>;
	stop(): Promise<void>;
	dispose(): Promise<void>;
}

export async function startYjsTestServer(env: Record<string, string> = {}): Promise<YjsTestServer> {
	const database = await createTestDatabase();
	const databaseUrl = database.url;
	const dataDir = await mkdtemp(path.join(tmpdir(), 'tavolo-yjs-'));
	if (!databaseUrl) await copyPgliteTemplate(dataDir);
	// Two-node mode (tests/support/cluster.ts), unless the test brings a Redis of its own.
	const clusterEnv = clusterEnvironment(env);
	const config = loadConfig({
		NODE_ENV: 'test',
		PORT: '0',
		HOST: '127.0.0.1',
		LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
		TAVOLO_DATA_DIR: dataDir,
		...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
		...clusterEnv,
		...env
	});
	let port = 0;
	let peers: TestPeers | null = null;
	const boot = async () => {
		const app = await startBuiltApp({ ...config, port });
		port = Number(new URL(app.url).port);
		// Clients and requests go through the balancer; the test still reaches this node's insides.
		return peers ? { ...app, url: peers.url } : app;
	};
	let first = await boot();
	if (clusterEnv.REDIS_URL) {
		peers = await startTestPeers({ port, databaseUrl: databaseUrl!, clusterEnv, env });
		first = { ...first, url: peers.url };
	}
	const stopOthers = async () => {
		await peers?.stop();
	};
	const server: YjsTestServer = {
		app: first,
		yjsUrl: '',
		async restart() {
			await server.app.close();
			server.app = await boot();
			server.yjsUrl = `${server.app.url.replace(/^http/, 'ws')}/yjs`;
		},
		async stop() {
			await server.app.close();
			await stopOthers();
		},
		async dispose() {
			await server.app.close();
			await stopOthers();
			await rm(dataDir, { recursive: true, force: true });
			await database.drop();
		}
	};
	server.yjsUrl = `${server.app.url.replace(/^http/, 'ws')}/yjs`;
	return server;
}

export interface Person {
	user: SessionUser;
	cookie: string;
}

export interface Fixture {
	tableId: string;
	documentDoc: string;
	documentId: string;
	agendaDoc: string;
	admin: Person;
	alice: Person;
	bob: Person;
	olga: Person;
	outsider: Person;
}

let counter = 0;

/** A new user with a session, made a member of `tableId` with `role`. */
export async function addTableMember(app: RunningApp, tableId: string, name: string, role: TableRole): Promise<Person> {
	const { db, sessions } = app.context;
	counter += 1;
	const user = await signUp(db, { email: `${name.toLowerCase()}-${counter}-${newId(4)}@example.it`, password: 'password-lunga-1', name });
	const { token } = await sessions.create(user.id);
	await db.insertInto('memberships').values({ id: newId(), table_id: tableId, user_id: user.id, role }).execute();
	return { user, cookie: `${SESSION_COOKIE}=${token}` };
}

/** An admin, a table with a document and a meeting, two participants, an observer, an outsider. */
export async function createFixture(app: RunningApp): Promise<Fixture> {
	const { db, sessions } = app.context;
	const person = async (name: string): Promise<Person> => {
		counter += 1;
		const user = await signUp(db, { email: `${name.toLowerCase()}-${counter}-${newId(4)}@example.it`, password: 'password-lunga-1', name });
		const { token } = await sessions.create(user.id);
		return { user, cookie: `${SESSION_COOKIE}=${token}` };
	};
	const admin = await person('Admin');
	const table = await createTable(db, admin.user, { name: `Tavolo ${counter}`, territory: 'Pianura' });
	const member = async (name: string, role: TableRole) => {
		const p = await person(name);
		await db.insertInto('memberships').values({ id: newId(), table_id: table.id, user_id: p.user.id, role }).execute();
		return p;
	};
	const alice = await member('Alice', 'participant');
	const bob = await member('Bob', 'participant');
	const olga = await member('Olga', 'observer');
	const outsider = await person('Esterno');
	const document = await createDocument(db, admin.user, table.id, { kind: 'protocol', title: 'Protocollo operativo' });
	const meeting = await createMeeting(db, admin.user, table.id, {
		title: 'Primo incontro',
		startsAt: '2026-12-01T09:00:00+01:00',
		endsAt: '2026-12-01T11:00:00+01:00'
	});
	return {
		tableId: table.id,
		documentDoc: document.docName,
		documentId: document.id,
		agendaDoc: meeting.agendaDoc,
		admin,
		alice,
		bob,
		olga,
		outsider
	};
}

/** A `ws` WebSocket that sends the browser's Cookie and Origin headers. */
export function webSocketWith(headers: Record<string, string>) {
	return class extends WebSocket {
		constructor(address: string | URL, protocols?: string | string[]) {
			super(address, protocols, { headers });
		}
	};
}

export interface Client {
	doc: Y.Doc;
	provider: WebsocketProvider;
	readOnly: ReadOnlyNotice | null;
	durable: Y.Snapshot | null;
	/** The updates this client made itself (not those it received), for "saved". */
	own: Uint8Array[];
	closes: Array<{ code: number; reason: string }>;
	/** Sync step 2 messages received: the server's answers to this client's sync step 1. */
	syncAnswers: number;
	/** The type (first varUint) of every message the server sent, in order. */
	types: number[];
	destroy(): void;
}

/**
 * The stock WebsocketProvider, as the browser would use it. Tavolo's (`stock` false, the default)
 * asks for the two extra messages (`?tavolo=1`) and handles them; a stock one asks for nothing and
 * registers no handler, as any y-websocket client would.
 */
export function connectClient(
	server: YjsTestServer,
	docName: string,
	person: Person,
	origin = server.app.url,
	{ stock = false }: { stock?: boolean } = {}
): Client {
	const doc = new Y.Doc();
	const types: number[] = [];
	const Socket = webSocketWith({ Cookie: person.cookie, Origin: origin });
	class RecordingSocket extends Socket {
		constructor(address: string | URL, protocols?: string | string[]) {
			super(address, protocols);
			this.on('message', (data: Buffer | ArrayBuffer) => {
				types.push(decoding.readVarUint(decoding.createDecoder(new Uint8Array(data))));
			});
		}
	}
	const provider = new WebsocketProvider(server.yjsUrl, docName, doc, {
		WebSocketPolyfill: RecordingSocket as unknown as typeof globalThis.WebSocket,
		disableBc: true,
		maxBackoffTime: 200,
		...(stock ? {} : { params: { ...tavoloNoticeParams } })
	});
	const client: Client = {
		doc,
		provider,
		readOnly: null,
		durable: null,
		own: [],
		closes: [],
		syncAnswers: 0,
		types,
		destroy() {
			provider.destroy();
			doc.destroy();
		}
	};
	if (!stock) {
		provider.messageHandlers[messageReadOnly] = (_encoder, decoder) => {
			client.readOnly = readReadOnly(decoder);
		};
		provider.messageHandlers[messageDurable] = (_encoder, decoder) => {
			client.durable = readDurable(decoder);
		};
	}
	const handleSync = provider.messageHandlers[messageSync];
	provider.messageHandlers[messageSync] = (encoder, decoder, ...rest) => {
		const syncType = decoding.peekVarUint(decoder);
		handleSync(encoder, decoder, ...rest);
		if (syncType === syncProtocol.messageYjsSyncStep2) client.syncAnswers += 1;
	};
	provider.on('connection-close', (event) => {
		if (event) client.closes.push({ code: event.code, reason: event.reason });
	});
	doc.on('update', (update: Uint8Array, origin: unknown) => {
		if (origin !== provider) client.own.push(update);
	});
	return client;
}

/**
 * Waits until the server acknowledged every edit this client made as committed: what the editor
 * shows as "Salvato". An HTTP request sent right after an edit may otherwise overtake it (another
 * connection, possibly another node).
 */
export const saved = (client: Client) =>
	waitUntil(
		() => client.own.length === 0 || (client.durable !== null && isCoveredBy(snapshotOfUpdates(client.own), client.durable)),
		5000,
		'the durable ack of every own edit'
	);

export const synced = (client: Client) => waitUntil(() => client.provider.synced, 5000, 'sync');

/**
 * A barrier on a synced client's own connection: a sync step 1 out, the server's step 2 back
 * (and applied). The server handles a connection's frames in order and writes to each socket in
 * order, so once this resolves, every frame the client sent before has been handled (applied or
 * dropped), and everything the server sent the client before its answer has arrived. What did
 * not happen by then is not merely late. Across nodes (TAVOLO_TEST_NODES=2), a message relayed
 * through Redis is not ordered with it.
 */
export async function syncRoundTrip(client: Client): Promise<void> {
	const { ws } = client.provider;
	if (!client.provider.synced || !ws) throw new Error('syncRoundTrip needs a synced client');
	const before = client.syncAnswers;
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, messageSync);
	syncProtocol.writeSyncStep1(encoder, client.doc);
	ws.send(encoding.toUint8Array(encoder));
	await waitUntil(() => client.syncAnswers > before, 5000, 'the answer to a sync step 1 (a round trip to the server)');
}

/**
 * A raw ws connection (no provider) for protocol-level tests: resolves with the upgrade status
 * when refused, or the open socket and every message it receives.
 */
export function rawConnect(
	url: string,
	headers: Record<string, string>
): Promise<{ status: number; socket: WebSocket | null; messages: Uint8Array[]; closed: Promise<{ code: number; reason: string }> }> {
	return new Promise((resolve) => {
		const socket = new WebSocket(url, { headers });
		const messages: Uint8Array[] = [];
		const closed = new Promise<{ code: number; reason: string }>((done) => {
			socket.on('close', (code, reason) => done({ code, reason: reason.toString() }));
		});
		socket.on('message', (data: Buffer) => messages.push(new Uint8Array(data)));
		socket.on('unexpected-response', (_req, res) => {
			let body = '';
			res.on('data', (chunk: Buffer) => (body += chunk.toString()));
			res.on('end', () => {
				messages.push(new TextEncoder().encode(body));
				resolve({ status: res.statusCode ?? 0, socket: null, messages, closed });
			});
		});
		socket.on('open', () => resolve({ status: 101, socket, messages, closed }));
		socket.on('error', () => undefined);
	});
}

/**
 * createSyncEndpoint on its own HTTP server, sharing a running app's database and sessions, so a
 * test can give it a different store (slow, failing) or limits.
 */
export async function startBareEndpoint(
	app: RunningApp,
	options: {
		store?: YjsStore;
		limits?: Partial<YjsLimits>;
		/** A second node: its own relay and its own (cluster-wide) events instead of the app's. */
		relay?: DocRelay;
		resyncIntervalMs?: number;
		membershipChanges?: MembershipChanges;
		sessionEnds?: Events<string>;
	} = {}
): Promise<{ yjsUrl: string; origin: string; endpoint: SyncEndpoint; close(): Promise<void> }> {
	const context = app.context;
	const httpServer = http.createServer((_req, res) => res.writeHead(404).end());
	const base = loadConfig({}).limits;
	const endpoint = createSyncEndpoint({
		db: context.db,
		logger: context.logger,
		metrics: new Registry(),
		membershipChanges: options.membershipChanges ?? context.membershipChanges,
		sessionEnds: options.sessionEnds ?? context.sessionEnds,
		limits: { ...base, ...options.limits },
		authenticate: (req) => authenticateUpgrade(context, req),
		store: options.store,
		shutdownFlushMs: 500,
		relay: options.relay,
		resyncIntervalMs: options.resyncIntervalMs
	});
	httpServer.on('upgrade', (req, socket, head) => endpoint.route.handleUpgrade(req, socket, head));
	await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', () => resolve()));
	const { port } = httpServer.address() as AddressInfo;
	return {
		yjsUrl: `ws://127.0.0.1:${port}/yjs`,
		origin: `http://127.0.0.1:${port}`,
		endpoint,
		async close() {
			await endpoint.close();
			await new Promise<void>((resolve) => httpServer.close(() => resolve()));
		}
	};
}

/** connectClient against a bare endpoint. */
export function connectBare(bare: { yjsUrl: string; origin: string }, docName: string, person: Person): Client {
	return connectClient({ yjsUrl: bare.yjsUrl, app: { url: bare.origin } } as YjsTestServer, docName, person, bare.origin);
}
