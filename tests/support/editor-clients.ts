import pg from 'pg';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { expect } from 'vitest';
import { isCoveredBy, messageDurable, readDurable, snapshotOfUpdates, tavoloNoticeParams } from '../../src/lib/realtime/yjs-messages.ts';
import { ApiClient } from './app.ts';
import { waitUntil } from './wait-until.ts';

/**
 * Co-editors for fault tests against a server process (tests/integration/yjs-faults.spec.ts,
 * tests/faults/postgres-outage.fault.ts): the stock y-websocket provider, as in the browser,
 * keeping its document across the fault, and what to check the text against afterwards.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether a client's network reaches the server. While it is down, each reconnection attempt of
 * the provider goes to a closed port and fails, so its ordinary reconnect loop keeps running.
 * Used to let a fresh client read what the server has before the old ones can re-send anything.
 */
export interface Link {
	up: boolean;
}
const unreachable = 'ws://127.0.0.1:1/';

export interface EditorClient {
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

/** Every client opened, for closeClients() after each test. */
const clients: EditorClient[] = [];

export function closeClients(): void {
	for (const client of clients.splice(0)) client.destroy();
}

export function openClient(yjsUrl: string, origin: string, docName: string, cookie: string, link: Link = { up: true }): EditorClient {
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
		maxBackoffTime: 200,
		params: { ...tavoloNoticeParams }
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

export const synced = (client: EditorClient, timeoutMs = 10_000) => waitUntil(() => client.provider.synced, timeoutMs, 'sync');

/**
 * The edits: `count` small transactions, each inserting one token like `<a017>` at the start or
 * the end of the text (never inside another token, so every token stays whole) and, every tenth
 * edit, deleting one of the client's own earlier tokens. Resolves with the tokens that must be
 * in the text at the end.
 */
export async function typeTokens(
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
export function expectTokens(text: string, expected: string[]): void {
	const tokens: string[] = text.match(/<[a-z]\d{3}>/g) ?? [];
	expect(tokens.join(''), 'text made of whole tokens only').toBe(text);
	const missing = expected.filter((token) => !tokens.includes(token));
	const extra = tokens.filter((token, i) => !expected.includes(token) || tokens.indexOf(token) !== i);
	expect({ missing, extra }).toEqual({ missing: [], extra: [] });
}

export const hasAll = (client: EditorClient, expected: string[]) => {
	const text = client.text.toString();
	return expected.every((token) => text.includes(token));
};

/** A table with a document, its coordinator (admin) and a participant, made over the HTTP API. */
export async function createPeople(url: string) {
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
export async function storedText(databaseUrl: string, docName: string): Promise<string> {
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
export const compactOften = { TAVOLO_YJS_COMPACT_AFTER: '100' };

/**
 * For the outage: a commit per edit and a compaction every few rows keep pooled connections busy,
 * so PostgreSQL's shutdown finds some checked out, as it would in a busy room.
 */
export const busyDatabase = { TAVOLO_YJS_COMPACT_AFTER: '5', TAVOLO_YJS_COMMIT_DELAY_MS: '1' };
