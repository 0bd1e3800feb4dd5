/**
 * `npm run bench [-- options]`: the fan-out of one writer's edits to N stock y-websocket readers in
 * one document, on Tavolo (auth, read-only checks, PostgreSQL persistence), on the stock
 * `@y/websocket-server` (in memory, nothing else) and on a bare-ws floor (tests/load/floor-server.ts:
 * frames relayed as received), the three alternating in rounds; then, if asked, the same across two
 * Tavolo nodes on one Redis, memory per idle connection, a vote burst and a cold load.
 *
 * The readers live in `--clients` reader processes (tests/load/bench-readers.ts), not in the
 * benchmark's own event loop. Each server's CPU comes from /proc/<pid>/stat. Prints Markdown
 * tables (medians over the rounds, with the load average) ready to paste into docs/benchmarks.md;
 * see its method section. Not a test: it asserts nothing and CI never runs it.
 *
 * Options (or the BENCH_* variable in brackets):
 *   --quick            a sanity run: 1 round, readers 10 and 20, 2 s, 2 reader processes
 *   --rounds=N         [BENCH_ROUNDS] rounds of every server at every size (default 3)
 *   --sizes=A,B,C      [BENCH_CLIENTS] readers per run (default 100,200,500)
 *   --clients=N        [BENCH_READER_PROCESSES] reader processes (default 4)
 *   --seconds=N        [BENCH_SECONDS] length of one run (default 10)
 *   --rate=N           [BENCH_RATE] updates per second (default 20)
 *   --sections=a,b     [BENCH_SECTIONS] fanout (default), fanout2, idle, votes, coldload
 *   --out=FILE         also write the Markdown report to FILE
 *   --json=FILE        [BENCH_JSON] every figure of the run as JSON
 * Other sizes: BENCH_VOTERS=500, BENCH_IDLE_CLIENTS=500, BENCH_COLD_UPDATES=10000, BENCH_COLD_REPEATS=5.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as decoding from 'lib0/decoding';
import pg from 'pg';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { connectSocket, type ClientSocket } from '../support/socket-test-client.ts';
import { startPrivateRedis } from '../support/private-redis.ts';
import { freePort } from '../support/server-process.ts';
import { scrapeMetrics, testMetricsToken } from '../support/metrics.ts';
import type { FromReaders, ReaderTarget, ToReaders } from './bench-readers.ts';

const { values: args } = parseArgs({
	options: {
		quick: { type: 'boolean', default: false },
		rounds: { type: 'string' },
		sizes: { type: 'string' },
		clients: { type: 'string' },
		seconds: { type: 'string' },
		rate: { type: 'string' },
		sections: { type: 'string' },
		out: { type: 'string' },
		json: { type: 'string' }
	}
});
const quick = args.quick ?? false;
const option = (name: keyof typeof args, env: string, normal: string, quickValue = normal) =>
	String(args[name] ?? process.env[env] ?? (quick ? quickValue : normal));
const rounds = Number(option('rounds', 'BENCH_ROUNDS', '3', '1'));
const clientCounts = option('sizes', 'BENCH_CLIENTS', '100,200,500', '10,20').split(',').map(Number);
const readerProcesses = Number(option('clients', 'BENCH_READER_PROCESSES', '4', '2'));
const seconds = Number(option('seconds', 'BENCH_SECONDS', '10', '2'));
const rate = Number(option('rate', 'BENCH_RATE', '20'));
const sections = new Set(option('sections', 'BENCH_SECTIONS', 'fanout').split(','));
const jsonFile = args.json ?? process.env.BENCH_JSON;
const voterCount = Number(process.env.BENCH_VOTERS ?? (quick ? 20 : 500));
const coldUpdates = Number(process.env.BENCH_COLD_UPDATES ?? (quick ? 500 : 10_000));
const coldRepeats = Number(process.env.BENCH_COLD_REPEATS ?? (quick ? 2 : 5));
const idleClients = Number(process.env.BENCH_IDLE_CLIENTS ?? (quick ? 20 : 500));
/** After the last update: time for the last deliveries and the group commit of the last updates. */
const drainMs = 1500;
const root = path.resolve(import.meta.dirname, '../..');

interface Server {
	name: string;
	url: string;
	docName: string;
	headers: Record<string, string>;
	process: ChildProcess;
	stop(): Promise<void>;
}

function startProcess(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
	return new Promise((resolve, reject) => {
		// BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the servers.
		const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
		const child = spawn(process.execPath, [...nodeArgs, ...args], {
			cwd: root,
			env: { ...process.env, ...env },
			stdio: ['ignore', 'pipe', 'inherit']
		});
		let output = '';
		child.stdout!.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			const stock = /ready (\d+)/.exec(output);
			const tavolo = /Tavolo is ready: open http:\/\/[^:]+:(\d+)/.exec(output);
			const match = stock ?? tavolo;
			if (match) resolve({ child, port: Number(match[1]) });
		});
		child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${output}`)));
	});
}

async function startStock(env: Record<string, string> = {}): Promise<Server> {
	const { child, port } = await startProcess(['--import', 'tsx', 'tests/load/stock-server.ts'], { PORT: '0', ...env });
	return {
		name: 'stock @y/websocket-server',
		url: `ws://127.0.0.1:${port}`,
		docName: 'bench-doc',
		headers: {},
		process: child,
		stop: async () => void child.kill('SIGTERM')
	};
}

/** The bare-ws floor (tests/load/floor-server.ts): no document, frames relayed as received. */
async function startFloor(): Promise<Server> {
	const { child, port } = await startProcess(['--import', 'tsx', 'tests/load/floor-server.ts'], { PORT: '0' });
	return {
		name: 'bare-ws floor',
		url: `ws://127.0.0.1:${port}`,
		docName: 'bench-doc',
		headers: {},
		process: child,
		stop: async () => void child.kill('SIGTERM')
	};
}

/**
 * Tavolo on PostgreSQL (a fresh database on BENCH_POSTGRES_URL, default the local server) when
 * one answers, else on the embedded PGlite, whose WebAssembly heap adds some 400 MiB of RSS.
 */
async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> } | null> {
	const base = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
	const name = `tavolo_bench_${Date.now()}`;
	const admin = new pg.Client({ connectionString: base });
	try {
		await admin.connect();
		await admin.query(`create database ${name}`);
	} catch {
		return null;
	} finally {
		await admin.end().catch(() => {});
	}
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

/** A Tavolo server, with its admin's session and one table to work in. */
interface TavoloServer extends Server {
	/** The server's PostgreSQL database, or null when it runs on PGlite (in its own process). */
	databaseUrl: string | null;
	origin: string;
	cookie: string;
	tableId: string;
}

/** POSTs JSON as a browser on `origin` would; answers the body and the session cookie (new or the same). */
async function postJson(origin: string, url: string, body: unknown, cookie = '') {
	const response = await fetch(origin + url, {
		method: 'POST',
		headers: { origin, 'content-type': 'application/json', cookie },
		body: JSON.stringify(body)
	});
	if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
	const session = response.headers
		.getSetCookie()
		.find((c) => c.startsWith('tavolo_session='))
		?.split(';')[0];
	return { body: (await response.json()) as Record<string, any>, cookie: session ?? cookie };
}

/** One build/server.js process, as production runs it; resolves once it says it is ready. */
async function launchTavoloNode(options: { port: number; origin: string; databaseUrl: string | null; env?: Record<string, string> }) {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tavolo-bench-'));
	const { child } = await startProcess(['build/server.js'], {
		PORT: String(options.port),
		HOST: '127.0.0.1',
		ORIGIN: options.origin,
		TAVOLO_DATA_DIR: dataDir,
		...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
		// Setting up hundreds of voters comes from one address: the per-address API cap would stop it.
		TAVOLO_API_REQUESTS_PER_MINUTE: '1000000',
		TAVOLO_SIGNUP_MAX_PER_ADDRESS: '1000000',
		TAVOLO_METRICS_TOKEN: testMetricsToken,
		LOG_LEVEL: 'warn',
		...options.env
	});
	return {
		child,
		async stop() {
			child.kill('SIGTERM');
			await new Promise((resolve) => child.once('exit', resolve));
			await rm(dataDir, { recursive: true, force: true });
		}
	};
}

/**
 * A Tavolo server on a fresh database, with an admin, a table and a document. `env` goes to the
 * process (REDIS_URL for the two-node section); `postgres` reuses a database instead of creating one.
 */
async function startTavolo(options: { env?: Record<string, string>; name?: string } = {}): Promise<TavoloServer> {
	const postgres = await freshPostgres();
	const port = await freePort();
	const origin = `http://127.0.0.1:${port}`;
	const node = await launchTavoloNode({ port, origin, databaseUrl: postgres?.url ?? null, env: options.env });
	const post = (url: string, body: unknown, cookie = '') => postJson(origin, url, body, cookie);
	const { cookie } = await post('/api/v1/auth/signup', { email: 'bench@tavolo.example', password: 'benchmark-password', name: 'Bench' });
	const table = await post('/api/v1/tables', { name: 'Bench', territory: 'Bench' }, cookie);
	const document = await post(`/api/v1/tables/${table.body.id}/documents`, { kind: 'other', title: 'Bench' }, cookie);
	return {
		name: options.name ?? `Tavolo (auth + ${postgres ? 'PostgreSQL' : 'PGlite'} persistence)`,
		url: `ws://127.0.0.1:${port}/yjs`,
		docName: document.body.docName,
		headers: { cookie, origin },
		databaseUrl: postgres?.url ?? null,
		origin,
		cookie,
		tableId: table.body.id,
		process: node.child,
		async stop() {
			await node.stop();
			await postgres?.drop();
		}
	};
}

/**
 * Two Tavolo nodes on one PostgreSQL database and one Redis (a private redis-server on a free
 * port, nothing persisted, gone afterwards): node A is started (and migrates) first, node B
 * then joins with the same ORIGIN, so A's session cookie and Origin header work on both.
 */
async function startTavoloPair(): Promise<{ a: TavoloServer; b: TavoloServer; stop(): Promise<void> }> {
	const redis = await startPrivateRedis();
	const env = { REDIS_URL: redis.url, TAVOLO_REDIS_PREFIX: `bench-${Date.now()}` };
	let a: TavoloServer | null = null;
	try {
		a = await startTavolo({ env, name: 'Tavolo node A' });
		if (!a.databaseUrl) throw new Error('two nodes need PostgreSQL (BENCH_POSTGRES_URL); none answered');
		const port = await freePort();
		const nodeB = await launchTavoloNode({ port, origin: a.origin, databaseUrl: a.databaseUrl, env });
		const b: TavoloServer = {
			...a,
			name: 'Tavolo node B',
			url: `ws://127.0.0.1:${port}/yjs`,
			origin: `http://127.0.0.1:${port}`,
			process: nodeB.child,
			stop: nodeB.stop
		};
		const first = a;
		return {
			a,
			b,
			async stop() {
				await b.stop();
				await first.stop();
				await redis.dispose();
			}
		};
	} catch (error) {
		await a?.stop();
		await redis.dispose();
		throw error;
	}
}

function socketWithHeaders(headers: Record<string, string>) {
	return class extends WebSocket {
		constructor(url: string, protocols?: string | string[]) {
			super(url, protocols, { headers });
		}
	};
}

async function rssOf(child: ChildProcess): Promise<number> {
	const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
	return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Result {
	server: string;
	clients: number;
	updates: number;
	delivered: number;
	expected: number;
	p50: number;
	p99: number;
	/** CPU seconds of the server process(es) from the first update to the last delivery. */
	cpuSeconds: number;
	cpuPerDeliveryUs: number;
	/** Tavolo: the writer's durable acks (message 101), from the update to the ack covering it. */
	ackP50?: number;
	ackP99?: number;
	acked: number;
	/** 1-minute load average at the end of the run. */
	load1: number;
	/** All the server processes together. */
	rssMiB: number;
	rssPerNodeMiB: number[];
	/** Two nodes: node B's tavolo_redis_relay_lag_seconds{kind="update"} over the run. */
	relayLag?: ServerTime;
}

/** A reader process (tests/load/bench-readers.ts) and the way to talk to it. */
interface ReaderProcess {
	child: ChildProcess;
	request(message: ToReaders): Promise<FromReaders>;
	stop(): Promise<void>;
}

function forkReaders(): ReaderProcess {
	const child = fork(path.join(root, 'tests/load/bench-readers.ts'), [], {
		cwd: root,
		execArgv: ['--import', 'tsx'],
		stdio: ['ignore', 'inherit', 'inherit', 'ipc']
	});
	let waiting: ((message: FromReaders) => void) | null = null;
	const started = new Promise<void>((resolve) => (waiting = () => resolve()));
	child.on('message', (message: FromReaders) => {
		const resolve = waiting;
		waiting = null;
		resolve?.(message);
	});
	return {
		child,
		async request(message) {
			await started;
			const answer = new Promise<FromReaders>((resolve) => (waiting = resolve));
			child.send(message);
			const reply = await answer;
			if (reply.type === 'error') throw new Error(`reader process: ${reply.message}`);
			return reply;
		},
		async stop() {
			if (child.exitCode !== null) return;
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.send({ type: 'exit' } satisfies ToReaders);
			await exited;
		}
	};
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ): 100 on every Linux this runs on. */
const clockTicks = Number(process.env.BENCH_CLK_TCK ?? 100);

/** CPU seconds (user + system, every thread) a process has used so far, from /proc/<pid>/stat. */
async function cpuSecondsOf(child: ChildProcess): Promise<number> {
	const stat = await readFile(`/proc/${child.pid}/stat`, 'utf8');
	// Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

/** Milliseconds since the epoch with sub-millisecond resolution; the reader processes read the same. */
const wallClock = () => performance.timeOrigin + performance.now();

/**
 * One writer on `servers[0]` makes `rate` updates per second for `seconds` s; the readers, spread
 * over the reader processes, alternate over `servers` (all the same document: with two nodes,
 * half of them get each update over the Redis relay). Each update carries the writer's wall
 * clock; every reader records when it arrives. The server processes' CPU is read from /proc just
 * before the first update and after the last delivery (plus `drainMs`, so a group commit of the
 * last updates is counted). On Tavolo the writer also times its durable acks (message 101).
 */
async function fanOut(readers: ReaderProcess[], servers: Server[], clients: number, name = servers[0].name): Promise<Result> {
	const server = servers[0];
	const shares: ReaderTarget[][] = readers.map(() => []);
	for (let i = 0; i < clients; i++) {
		const on = servers[i % servers.length];
		shares[i % readers.length].push({ url: on.url, docName: on.docName, headers: on.headers });
	}
	await Promise.all(readers.map((r, i) => r.request({ type: 'connect', readers: shares[i] })));

	const writerDoc = new Y.Doc();
	const map = writerDoc.getMap('bench');
	const writer = new WebsocketProvider(server.url, server.docName, writerDoc, {
		WebSocketPolyfill: socketWithHeaders(server.headers) as never,
		disableBc: true
	});
	// The writer's own clock after each update, and when it was made: a durable ack (a snapshot of
	// the server's committed state) covers every update up to the clock it holds for this client.
	const pendingAcks: Array<{ clock: number; at: number }> = [];
	const ackLatencies: number[] = [];
	writer.messageHandlers[100] = () => {};
	writer.messageHandlers[101] = (_encoder: unknown, decoder: decoding.Decoder) => {
		const durable = Y.decodeSnapshot(decoding.readVarUint8Array(decoder));
		const clock = durable.sv.get(writerDoc.clientID) ?? 0;
		const now = performance.now();
		while (pendingAcks.length > 0 && pendingAcks[0].clock <= clock) ackLatencies.push(now - pendingAcks.shift()!.at);
	};
	await new Promise<void>((resolve) => writer.once('sync', () => resolve()));

	const total = Math.round(seconds * rate);
	const cpuBefore = await Promise.all(servers.map((s) => cpuSecondsOf(s.process)));
	const startedAt = performance.now();
	for (let seq = 1; seq <= total; seq++) {
		writerDoc.transact(() => {
			map.set('seq', seq);
			map.set('t', wallClock());
		});
		pendingAcks.push({ clock: Y.getState(writerDoc.store, writerDoc.clientID), at: performance.now() });
		// Paced against the start, so a late timer does not stretch the run.
		const due = startedAt + (seq * 1000) / rate;
		await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
	}
	await new Promise((resolve) => setTimeout(resolve, drainMs));
	const cpuAfter = await Promise.all(servers.map((s) => cpuSecondsOf(s.process)));
	const rssPerNode = await Promise.all(servers.map((s) => rssOf(s.process)));
	writer.destroy();
	const collected = await Promise.all(readers.map((r) => r.request({ type: 'collect' })));
	const latencies = collected.flatMap((reply) => (reply.type === 'result' ? reply.latencies : []));
	latencies.sort((a, b) => a - b);
	ackLatencies.sort((a, b) => a - b);
	const cpuSeconds = cpuAfter.reduce((sum, after, i) => sum + after - cpuBefore[i], 0);
	// Give the server a moment to let the readers go before the next run starts.
	await new Promise((resolve) => setTimeout(resolve, 500));
	return {
		server: name,
		clients,
		updates: total,
		delivered: latencies.length,
		expected: total * clients,
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99),
		cpuSeconds,
		cpuPerDeliveryUs: latencies.length > 0 ? (cpuSeconds / latencies.length) * 1e6 : NaN,
		ackP50: ackLatencies.length > 0 ? percentile(ackLatencies, 50) : undefined,
		ackP99: ackLatencies.length > 0 ? percentile(ackLatencies, 99) : undefined,
		acked: ackLatencies.length,
		load1: os.loadavg()[0],
		rssMiB: rssPerNode.reduce((a, b) => a + b, 0) / 1024 / 1024,
		rssPerNodeMiB: rssPerNode.map((r) => r / 1024 / 1024)
	};
}

interface BurstResult {
	server: string;
	voters: number;
	setupSeconds: number;
	ackP50: number;
	ackP99: number;
	/** From the first vote sent to the last acknowledgement. */
	allAckedMs: number;
	/** From the first vote sent until every client had a `poll:results` counting all voters. */
	allTalliedMs: number;
	/** Clients that got the final tally (should be all). */
	tallied: number;
	/** Voters in the tally read back over the API after the burst. */
	counted: number;
	rssBeforeMiB: number;
	rssPeakMiB: number;
	/** The server's own time per vote (tavolo_socket_command_seconds, poll:vote, ok), from /metrics. */
	serverTime: ServerTime;
}

/** A histogram's growth over one burst: the mean, and the bucket bounds p50 and p99 fall under. */
interface ServerTime {
	count: number;
	meanMs: number;
	p50UpToMs: number;
	p99UpToMs: number;
}

/** The cumulative buckets, sum and count of one labelled histogram in a Prometheus text page. */
async function readHistogram(
	origin: string,
	name: string,
	labels: string
): Promise<{ buckets: Map<number, number>; sum: number; count: number }> {
	const text = await scrapeMetrics(origin);
	const buckets = new Map<number, number>();
	let sum = 0;
	let count = 0;
	for (const line of text.split('\n')) {
		if (!line.startsWith(name) || !line.includes(labels)) continue;
		const value = Number(line.slice(line.lastIndexOf(' ') + 1));
		const le = /le="([^"]+)"/.exec(line);
		if (line.startsWith(`${name}_bucket`) && le) buckets.set(le[1] === '+Inf' ? Infinity : Number(le[1]), value);
		else if (line.startsWith(`${name}_sum`)) sum = value;
		else if (line.startsWith(`${name}_count`)) count = value;
	}
	return { buckets, sum, count };
}

function histogramGrowth(before: Awaited<ReturnType<typeof readHistogram>>, after: Awaited<ReturnType<typeof readHistogram>>): ServerTime {
	const count = after.count - before.count;
	const upTo = (p: number) => {
		for (const [le, n] of [...after.buckets].sort((a, b) => a[0] - b[0])) {
			if (n - (before.buckets.get(le) ?? 0) >= (p / 100) * count) return le * 1000;
		}
		return Infinity;
	};
	return { count, meanMs: ((after.sum - before.sum) / count) * 1000, p50UpToMs: upTo(50), p99UpToMs: upTo(99) };
}

/** Runs `task` on `items`, at most `width` at a time. */
async function inBatches<T, R>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
	const results: R[] = [];
	for (let i = 0; i < items.length; i += width) {
		results.push(...(await Promise.all(items.slice(i, i + width).map((item, j) => task(item, i + j)))));
	}
	return results;
}

/**
 * The vote burst: `voters` members, each on their own socket.io connection in the meeting room; a
 * poll opens and all of them vote at once. Measures each vote's acknowledgement, and the time
 * until every client has received results counting every voter (results are broadcast coalesced:
 * a few interim tallies, the last one exact). Setting up the accounts (argon2 signups, in parallel)
 * is timed apart and is not part of the figures.
 */
async function voteBurst(server: TavoloServer, voters: number): Promise<BurstResult> {
	const { origin, cookie: adminCookie, tableId } = server;
	const setupStart = performance.now();
	const meeting = await postJson(
		origin,
		`/api/v1/tables/${tableId}/meetings`,
		{ title: 'Bench: vote burst', startsAt: '2030-01-10T15:00:00+01:00', endsAt: '2030-01-10T17:00:00+01:00' },
		adminCookie
	);
	const meetingId = meeting.body.id as string;
	// One invitation serves up to 500 people (the app's cap); more voters take more invitations.
	const tokens: string[] = [];
	for (let left = voters; left > 0; left -= 500) {
		tokens.push(
			(await postJson(origin, `/api/v1/tables/${tableId}/invitations`, { role: 'participant', maxUses: Math.min(500, left) }, adminCookie))
				.body.token
		);
	}
	const run = Date.now().toString(36);
	const cookies = await inBatches(
		Array.from({ length: voters }, (_, i) => i),
		16,
		async (i) => {
			const { cookie } = await postJson(origin, '/api/v1/auth/signup', {
				email: `voter${i}-${run}@bench.example`,
				password: 'benchmark-password',
				name: `Votante ${i}`
			});
			await postJson(origin, `/api/v1/invitations/${tokens[Math.floor(i / 500)]}/accept`, {}, cookie);
			return cookie;
		}
	);
	const sockets: ClientSocket[] = await inBatches(cookies, 50, async (cookie) => {
		const socket = await connectSocket(origin, cookie);
		const ack = await socket.timeout(30_000).emitWithAck('meeting:join', { meetingId });
		if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
		return socket;
	});
	const poll = await postJson(
		origin,
		`/api/v1/meetings/${meetingId}/polls`,
		{ question: 'Approviamo?', kind: 'yesno', resultsVisible: 'live' },
		adminCookie
	);
	const pollId = poll.body.id as string;
	const opened = sockets.map((socket) => new Promise<void>((resolve) => socket.once('poll:opened', () => resolve())));
	await postJson(origin, `/api/v1/polls/${pollId}/open`, {}, adminCookie);
	await Promise.all(opened);
	const setupSeconds = (performance.now() - setupStart) / 1000;
	const rssBefore = await rssOf(server.process);

	const talliedAt: number[] = [];
	for (const socket of sockets) {
		let seen = false;
		socket.on('poll:results', (payload) => {
			if (!seen && payload.pollId === pollId && payload.results.voters === voters) {
				seen = true;
				talliedAt.push(performance.now());
			}
		});
	}
	let rssPeak = rssBefore;
	const sampler = setInterval(() => {
		rssOf(server.process).then(
			(rss) => (rssPeak = Math.max(rssPeak, rss)),
			() => {}
		);
	}, 100);

	const voteHistogram = () => readHistogram(origin, 'tavolo_socket_command_seconds', 'event="poll:vote",result="ok"');
	const histogramBefore = await voteHistogram();
	const start = performance.now();
	const choices = ['yes', 'no', 'abstain'];
	const acks = await Promise.all(
		sockets.map(async (socket, i) => {
			const sent = performance.now();
			const answer = await socket.timeout(60_000).emitWithAck('poll:vote', { pollId, choice: choices[i % 3] });
			if (!answer.ok) throw new Error(`vote refused: ${answer.error.code}`);
			return { latency: performance.now() - sent, at: performance.now() };
		})
	);
	const deadline = Date.now() + 60_000;
	while (talliedAt.length < voters && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
	clearInterval(sampler);
	rssPeak = Math.max(rssPeak, await rssOf(server.process));
	const serverTime = histogramGrowth(histogramBefore, await voteHistogram());

	const results = await fetch(`${origin}/api/v1/polls/${pollId}/results`, { headers: { origin, cookie: adminCookie } });
	const counted = ((await results.json()) as { voters: number }).voters;
	for (const socket of sockets) socket.close();
	await new Promise((resolve) => setTimeout(resolve, 1000));

	const latencies = acks.map((a) => a.latency).sort((a, b) => a - b);
	return {
		server: server.name,
		voters,
		setupSeconds,
		ackP50: percentile(latencies, 50),
		ackP99: percentile(latencies, 99),
		allAckedMs: Math.max(...acks.map((a) => a.at)) - start,
		allTalliedMs: talliedAt.length === voters ? Math.max(...talliedAt) - start : NaN,
		tallied: talliedAt.length,
		counted,
		rssBeforeMiB: rssBefore / 1024 / 1024,
		rssPeakMiB: rssPeak / 1024 / 1024,
		serverTime
	};
}

type Kind = 'tavolo' | 'stock' | 'floor';
const kindOf = (r: Result): Kind => (r.server.startsWith('stock') ? 'stock' : r.server.startsWith('bare') ? 'floor' : 'tavolo');
const kindName: Record<Kind, string> = { tavolo: 'Tavolo', stock: 'stock', floor: 'bare-ws floor' };

/** The median of the finite values (the mean of the middle two for an even count). */
function medianOf(values: number[]): number {
	const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	const mid = sorted.length / 2;
	return Number.isInteger(mid) ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[Math.floor(mid)];
}

const fixed = (v: number | undefined, digits = 1) => (v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : '–');
const times = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');

/** Least squares of y = a + b·x. */
function fitLine(points: Array<[number, number]>): { a: number; b: number } {
	const n = points.length;
	if (n < 2) return { a: NaN, b: NaN };
	const mx = points.reduce((s, [x]) => s + x, 0) / n;
	const my = points.reduce((s, [, y]) => s + y, 0) / n;
	const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
	const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
	const b = sxx === 0 ? NaN : sxy / sxx;
	return { a: my - b * mx, b };
}

/** Per kind and size: the runs of every round (same order as the rounds). */
function runsOf(results: Result[], kind: Kind, clients: number): Result[] {
	return results.filter((r) => kindOf(r) === kind && r.clients === clients);
}

/**
 * CPU per update split in a fixed part (per update, whatever the readers) and a marginal part (per
 * delivered message): the least-squares line through each size's median CPU per update.
 */
function costSplit(results: Result[], kind: Kind): { fixedMs: number; marginalUs: number } {
	const points: Array<[number, number]> = clientCounts.map((clients) => [
		clients,
		medianOf(runsOf(results, kind, clients).map((r) => (r.cpuSeconds / r.updates) * 1000))
	]);
	const { a, b } = fitLine(points.filter(([, y]) => Number.isFinite(y)));
	return { fixedMs: a, marginalUs: b * 1000 };
}

function fanOutReport(results: Result[], tavoloName: string): string {
	const rows: string[] = [];
	for (const clients of clientCounts) {
		const stockRuns = runsOf(results, 'stock', clients);
		const floorRuns = runsOf(results, 'floor', clients);
		for (const kind of ['tavolo', 'stock', 'floor'] as Kind[]) {
			const runs = runsOf(results, kind, clients);
			if (runs.length === 0) continue;
			// Each round's ratio within that round (same load), then their median.
			const p99Ratios = runs.map((r, i) => r.p99 / (stockRuns[i]?.p99 ?? NaN));
			const cpuRatios = runs.map((r, i) => r.cpuPerDeliveryUs / (floorRuns[i]?.cpuPerDeliveryUs ?? NaN));
			const delivered = runs.reduce((s, r) => s + r.delivered, 0);
			const expected = runs.reduce((s, r) => s + r.expected, 0);
			const ack =
				kind === 'tavolo'
					? `${fixed(medianOf(runs.map((r) => r.ackP50 ?? NaN)))} / ${fixed(medianOf(runs.map((r) => r.ackP99 ?? NaN)))}`
					: '–';
			rows.push(
				`| ${clients} | ${kindName[kind]} | ${fixed(medianOf(runs.map((r) => r.p50)))} / ${fixed(medianOf(runs.map((r) => r.p99)))} | ${kind === 'stock' ? '1×' : times(medianOf(p99Ratios))} | ${fixed(medianOf(runs.map((r) => r.cpuPerDeliveryUs)))} | ${kind === 'floor' ? '1×' : times(medianOf(cpuRatios))} | ${ack} | ${delivered}/${expected} | ${fixed(medianOf(runs.map((r) => r.load1)))} |`
			);
		}
	}
	const split = (['tavolo', 'stock', 'floor'] as Kind[]).map((kind) => ({ kind, ...costSplit(results, kind) }));
	const stockSplit = split.find((s) => s.kind === 'stock')!;
	const floorSplit = split.find((s) => s.kind === 'floor')!;
	const splitRows = split.map(
		(s) =>
			`| ${kindName[s.kind]} | ${fixed(s.fixedMs, 2)} | ${times(s.fixedMs / stockSplit.fixedMs)} | ${fixed(s.marginalUs)} | ${times(s.marginalUs / floorSplit.marginalUs)} |`
	);
	return `## Fan-out on one node: one writer, N readers in one document

One stock \`y-websocket\` writer (in the benchmark's process) makes ${rate} updates per second for
${seconds} s; N stock \`y-websocket\` readers, spread over ${readerProcesses} reader processes, record when
each update arrives (the writer stamps it with its wall clock). ${tavoloName}, the stock
\`@y/websocket-server\` (in memory) and the bare-ws floor run as separate processes and take turns:
${rounds} round(s), each running every size on each server. Figures are medians over the rounds; ratios
are the median of each round's own ratio. Server CPU is the server process's user + system time
(/proc/<pid>/stat) from the first update until ${drainMs / 1000} s after the last, over the messages delivered.

| readers | server | p50 / p99 (ms) | p99 ÷ stock | server CPU per delivered message (µs) | ÷ floor | durable ack p50 / p99 (ms) | delivered | load (1 min) |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

CPU per update split into a fixed part and a part per delivered message (least squares over the
sizes ${clientCounts.join(', ')} of each server's median CPU per update):

| server | fixed CPU per update (ms) | ÷ stock | CPU per delivered message, marginal (µs) | ÷ floor |
|---|---|---|---|---|
${splitRows.join('\n')}
`;
}

function twoNodeReport(twoNodes: Result[], single: Result[]): string {
	const rows = clientCounts
		.filter((clients) => twoNodes.some((r) => r.clients === clients))
		.map((clients) => {
			const two = twoNodes.filter((r) => r.clients === clients);
			const stock = runsOf(single, 'stock', clients);
			const one = runsOf(single, 'tavolo', clients);
			const med = (runs: Result[], pick: (r: Result) => number) => medianOf(runs.map(pick));
			const lagMean = med(two, (r) => r.relayLag?.meanMs ?? NaN);
			const lagP99 = Math.max(...two.map((r) => r.relayLag?.p99UpToMs ?? NaN));
			return `| ${clients} | ${fixed(med(stock, (r) => r.p50))} / ${fixed(med(stock, (r) => r.p99))} | ${fixed(med(one, (r) => r.p50))} / ${fixed(med(one, (r) => r.p99))} | ${fixed(med(two, (r) => r.p50))} / ${fixed(med(two, (r) => r.p99))} | ${fixed(med(two, (r) => r.cpuPerDeliveryUs))} | ${fixed(lagMean)} / ≤ ${fixed(lagP99, 0)} | ${two.reduce((s, r) => s + r.delivered, 0)}/${two.reduce((s, r) => s + r.expected, 0)} |`;
		});
	return `## Fan-out across two nodes

The same fan-out with two Tavolo processes on one PostgreSQL database and one Redis (a private
\`redis-server\`, nothing persisted): the writer on node A, the readers alternating between A and B,
so half of them get each update through the Redis relay. The stock server has no scale-out: its
column, and "one node", are the medians of the table above. CPU is both nodes' together. Relay lag
is node B's \`tavolo_redis_relay_lag_seconds{kind="update"}\` (millisecond clock): the median of the
rounds' means, and the highest bucket bound p99 fell under. All processes share the machine's cores.

| readers | stock p50 / p99 (ms) | Tavolo one node p50 / p99 (ms) | Tavolo two nodes p50 / p99 (ms) | two nodes' CPU per delivered message (µs) | relay lag mean / p99 (ms) | delivered |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}

function burstReport(burst: BurstResult): string {
	return `## Vote burst: N voters in one meeting room vote at once

${burst.voters} members (${burst.server}), each on their own socket.io connection joined to the
meeting room, get a yes/no poll (results live); then every one of them sends \`poll:vote\` in the
same instant. Votes are group-committed per poll: those that arrive while a batch is written form the
next batch, checked against the poll's rules (read with the first batch, kept while votes keep
coming) and written in one statement that locks the poll row FOR SHARE, checks the voters' roles,
adds the unique voter rows and upserts the ballots only while the poll is open; each vote is
acknowledged once its batch committed. Results go to the room coalesced,
the last broadcast exact. Setting up the
accounts, invitations and connections took ${burst.setupSeconds.toFixed(1)} s and is not in the figures.

| voters | ack p50 / p99 (ms) | last ack (ms) | every client has the final tally (ms) | clients with it | voters counted | server RSS before → peak (MiB) |
|---|---|---|---|---|---|---|
| ${burst.voters} | ${burst.ackP50.toFixed(1)} / ${burst.ackP99.toFixed(1)} | ${burst.allAckedMs.toFixed(0)} | ${burst.allTalliedMs.toFixed(0)} | ${burst.tallied}/${burst.voters} | ${burst.counted}/${burst.voters} | ${burst.rssBeforeMiB.toFixed(0)} → ${burst.rssPeakMiB.toFixed(0)} |

Times run from the moment the first vote is sent; the clients share the benchmark's one process,
so their own work is in the figures too. The server's own time per vote (the growth of
\`tavolo_socket_command_seconds{event="poll:vote"}\` over the burst): mean ${burst.serverTime.meanMs.toFixed(1)} ms, p50 within
the ≤ ${burst.serverTime.p50UpToMs} ms bucket, p99 within ≤ ${burst.serverTime.p99UpToMs} ms (${burst.serverTime.count} votes).
`;
}

interface IdleResult {
	server: string;
	clients: number;
	rssBeforeMiB: number;
	rssAfterMiB: number;
	kibPerConnection: number;
}

/**
 * Memory of idle connections: a freshly started server, N readers connected to one document and
 * left alone, the server's RSS before and after (2 s to settle). RSS never shrinks and includes
 * the allocator's slack, so this is an upper bound per connection, the same for both servers.
 */
async function idleMemory(server: Server, clients: number): Promise<IdleResult> {
	const WS = socketWithHeaders(server.headers);
	await new Promise((resolve) => setTimeout(resolve, 1000));
	const before = await rssOf(server.process);
	const providers: WebsocketProvider[] = [];
	for (let i = 0; i < clients; i += 50) {
		const batch = Array.from(
			{ length: Math.min(50, clients - i) },
			() => new WebsocketProvider(server.url, server.docName, new Y.Doc(), { WebSocketPolyfill: WS as never, disableBc: true })
		);
		providers.push(...batch);
		await Promise.all(batch.map((p) => new Promise<void>((resolve) => (p.synced ? resolve() : p.once('sync', () => resolve())))));
	}
	await new Promise((resolve) => setTimeout(resolve, 2000));
	const after = await rssOf(server.process);
	for (const provider of providers) provider.destroy();
	return {
		server: server.name,
		clients,
		rssBeforeMiB: before / 2 ** 20,
		rssAfterMiB: after / 2 ** 20,
		kibPerConnection: (after - before) / 1024 / clients
	};
}

function idleReport(results: IdleResult[]): string {
	const [stock, ours] = [results.find((r) => r.server.startsWith('stock'))!, results.find((r) => r.server.startsWith('Tavolo'))!];
	const row = (r: IdleResult) =>
		`| ${r.server} | ${r.clients} | ${r.rssBeforeMiB.toFixed(0)} | ${r.rssAfterMiB.toFixed(0)} | ${r.kibPerConnection.toFixed(1)} |`;
	return `## Memory per idle connection

A freshly started server of each kind; ${stock.clients} stock \`y-websocket\` readers connect to one
document and stay idle. RSS is read from /proc before and 2 s after they are connected.

| server | connections | RSS before (MiB) | RSS after (MiB) | KiB per connection |
|---|---|---|---|---|
${row(stock)}
${row(ours)}

Ratio Tavolo ÷ stock: ${(ours.kibPerConnection / stock.kibPerConnection).toFixed(2)}× per connection.
`;
}

/** What a writer typed, as the update log stores it: one update per keystroke. */
interface TypedDocument {
	updates: Uint8Array[];
	/** The writer's clientID and its final clock: a client holding that clock has everything. */
	clientId: number;
	clock: number;
	/** The fragment as XML, to check that what a client loaded is what was typed. */
	xml: string;
}

/**
 * `count` keystrokes typed into a TipTap-shaped XmlFragment ('default', paragraphs of XmlText):
 * a character at a time, a backspace every 17th key, a new paragraph about every 120 characters.
 */
function typeDocument(count: number): TypedDocument {
	const doc = new Y.Doc();
	const updates: Uint8Array[] = [];
	doc.on('update', (update: Uint8Array) => updates.push(update));
	const fragment = doc.getXmlFragment('default');
	const words = 'il tavolo territoriale approva il verbale della seduta e discute i prossimi temi ';
	let text: Y.XmlText | null = null;
	let typed = 0;
	while (updates.length < count) {
		if (!text || (text.length >= 120 && words[typed % words.length] === ' ')) {
			const paragraph = new Y.XmlElement('paragraph');
			fragment.push([paragraph]);
			text = new Y.XmlText();
			paragraph.insert(0, [text]);
		} else if (typed % 17 === 16 && text.length > 0) {
			text.delete(text.length - 1, 1);
			typed++;
		} else {
			text.insert(text.length, words[typed++ % words.length]);
		}
	}
	return {
		updates,
		clientId: doc.clientID,
		clock: Y.decodeStateVector(Y.encodeStateVector(doc)).get(doc.clientID)!,
		xml: fragment.toString()
	};
}

/** From a fresh client's connect until it holds the whole document; checks what it got. */
async function coldConnect(server: Server, docName: string, typed: TypedDocument): Promise<number> {
	const WS = socketWithHeaders(server.headers);
	const doc = new Y.Doc();
	const complete = new Promise<void>((resolve) => {
		const check = () => {
			if ((Y.decodeStateVector(Y.encodeStateVector(doc)).get(typed.clientId) ?? 0) < typed.clock) return;
			doc.off('update', check);
			resolve();
		};
		doc.on('update', check);
	});
	const start = performance.now();
	const provider = new WebsocketProvider(server.url, docName, doc, { WebSocketPolyfill: WS as never, disableBc: true });
	await complete;
	const elapsed = performance.now() - start;
	provider.destroy();
	if (doc.getXmlFragment('default').toString() !== typed.xml) throw new Error(`${server.name} loaded ${docName} wrong`);
	// Both servers unload a document once its last connection is gone.
	await new Promise((resolve) => setTimeout(resolve, 200));
	return elapsed;
}

interface ColdResult {
	rows: number;
	compacted: boolean;
	stock: number[];
	ours: number[];
}

/**
 * Cold load: `coldRepeats` documents, each with `coldUpdates` keystroke updates written straight
 * into Tavolo's yjs_updates (as a crash before compaction leaves them). A fresh client connects to
 * a server that does not hold the document. The stock server loads the same rows through its
 * persistence hook (tests/load/stock-server.ts). Tavolo compacts each document as its client
 * leaves; the compacted case then loads the snapshot alone, on both servers.
 */
async function coldLoad(tavolo: TavoloServer): Promise<ColdResult[]> {
	const databaseUrl = tavolo.databaseUrl!;
	const typed = typeDocument(coldUpdates);
	const docNames: string[] = [];
	const client = new pg.Client({ connectionString: databaseUrl });
	await client.connect();
	try {
		for (let i = 0; i < coldRepeats; i++) {
			const document = await postJson(
				tavolo.origin,
				`/api/v1/tables/${tavolo.tableId}/documents`,
				{ kind: 'other', title: `Cold ${i}` },
				tavolo.cookie
			);
			const docName = document.body.docName as string;
			docNames.push(docName);
			await client.query(
				'insert into yjs_updates (doc_name, update) select $1, u from unnest($2::bytea[]) with ordinality as t(u, n) order by n',
				[docName, typed.updates.map((u) => Buffer.from(u))]
			);
		}
		const stock = await startStock({ STOCK_DATABASE_URL: databaseUrl });
		try {
			const uncompacted: ColdResult = { rows: coldUpdates, compacted: false, stock: [], ours: [] };
			for (const docName of docNames) {
				uncompacted.stock.push(await coldConnect(stock, docName, typed));
				uncompacted.ours.push(await coldConnect(tavolo, docName, typed));
			}
			// Tavolo compacts each document on its way out of memory: wait until all are folded and unloaded.
			const deadline = Date.now() + 60_000;
			for (;;) {
				const left = await client.query<{ n: string }>('select count(*) as n from yjs_updates where doc_name = any($1)', [docNames]);
				const metrics = await scrapeMetrics(tavolo.origin);
				if (Number(left.rows[0].n) === 0 && /^tavolo_yjs_documents_loaded 0$/m.test(metrics)) break;
				if (Date.now() > deadline) throw new Error('the cold-load documents were not compacted and unloaded within 60 s');
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
			const compacted: ColdResult = { rows: 0, compacted: true, stock: [], ours: [] };
			for (const docName of docNames) {
				compacted.stock.push(await coldConnect(stock, docName, typed));
				compacted.ours.push(await coldConnect(tavolo, docName, typed));
			}
			return [uncompacted, compacted];
		} finally {
			await stock.stop();
		}
	} finally {
		await client.end();
	}
}

const median = (values: number[]) =>
	percentile(
		[...values].sort((a, b) => a - b),
		50
	);

function coldReport(results: ColdResult[], server: string): string {
	const row = (r: ColdResult) => {
		const [stock, ours] = [median(r.stock), median(r.ours)];
		return `| ${r.compacted ? `snapshot only (after compaction)` : `${r.rows} update rows, not compacted`} | ${stock.toFixed(1)} (${Math.min(...r.stock).toFixed(0)}–${Math.max(...r.stock).toFixed(0)}) | ${ours.toFixed(1)} (${Math.min(...r.ours).toFixed(0)}–${Math.max(...r.ours).toFixed(0)}) | ${(ours / stock).toFixed(2)}× |`;
	};
	return `## Cold load: a fresh client opens a document that is not in memory

${coldRepeats} documents, each holding ${coldUpdates} updates typed one keystroke at a time into a TipTap-shaped
\`XmlFragment\` (paragraphs, a backspace every 17th key), stored as rows of Tavolo's \`yjs_updates\` as a crash before
compaction leaves them. Time from a fresh stock \`y-websocket\` client's connect until it holds the whole
document (the writer's last clock; the content is checked after). ${server}; the stock
\`@y/websocket-server\` loads the same rows from the same database through its persistence hook
(\`setPersistence\`, \`bindState\` applying every row, as its LevelDB persistence does). Each client
leaves before the next connects, so every load is cold; Tavolo folds the log into its snapshot as the
document leaves memory, and the second row loads that snapshot alone on both servers.

| stored state | stock median (min–max) (ms) | Tavolo median (min–max) (ms) | ratio |
|---|---|---|---|
${results.map(row).join('\n')}

Ratios are Tavolo ÷ stock, medians of ${coldRepeats} loads each, the two servers alternating.
`;
}

/** A new document on a Tavolo server (its admin's table); answers its Yjs name. */
async function newDocument(server: TavoloServer, title: string): Promise<string> {
	const document = await postJson(server.origin, `/api/v1/tables/${server.tableId}/documents`, { kind: 'other', title }, server.cookie);
	return document.body.docName as string;
}

async function main() {
	if (!existsSync(path.join(root, 'build/server.js'))) {
		console.error('No build found: run `npm run build` first.');
		process.exit(1);
	}
	const started = performance.now();
	const loadAtStart = os.loadavg();
	const logFanOut = (result: Result, round: number) =>
		console.log(
			`round ${round}: ${result.server}, ${result.clients} readers: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, CPU ${(result.cpuSeconds * 1000).toFixed(0)} ms (${result.cpuPerDeliveryUs.toFixed(1)} µs per delivered message), delivered ${result.delivered}/${result.expected}` +
				(result.ackP99 !== undefined
					? `, durable ack p50 ${result.ackP50!.toFixed(1)} ms p99 ${result.ackP99.toFixed(1)} ms (${result.acked}/${result.updates})`
					: '') +
				(result.relayLag ? `, relay lag mean ${result.relayLag.meanMs.toFixed(1)} ms, p99 ≤ ${result.relayLag.p99UpToMs} ms` : '') +
				`, load ${result.load1.toFixed(1)}`
		);
	const readers = Array.from({ length: readerProcesses }, forkReaders);
	const results: Result[] = [];
	const twoNodes: Result[] = [];
	let tavoloName = 'Tavolo';
	try {
		// The two-node table compares with the single-node runs: fanout2 runs them too.
		if (sections.has('fanout') || sections.has('fanout2')) {
			const servers = [await startTavolo(), await startStock(), await startFloor()];
			const tavolo = servers[0] as TavoloServer;
			tavoloName = tavolo.name;
			try {
				for (let round = 1; round <= rounds; round++) {
					for (const clients of clientCounts) {
						// Each round starts with another server, so none always runs first (or last).
						for (let i = 0; i < servers.length; i++) {
							const server = servers[(i + round - 1) % servers.length];
							// A fresh document per run: none carries the previous run's updates.
							const docName = server === tavolo ? await newDocument(tavolo, `Fan-out ${round}/${clients}`) : `bench-${round}-${clients}`;
							const result = await fanOut(readers, [{ ...server, docName }], clients, server.name);
							results.push(result);
							logFanOut(result, round);
						}
					}
				}
			} finally {
				for (const server of servers) await server.stop();
			}
		}
		if (sections.has('fanout2')) {
			const pair = await startTavoloPair();
			try {
				const lag = () => readHistogram(pair.b.origin, 'tavolo_redis_relay_lag_seconds', 'kind="update"');
				for (let round = 1; round <= rounds; round++) {
					for (const clients of clientCounts) {
						// A fresh document each time: a node opening a document replays the last seconds of
						// its stream, and those replayed entries would count as seconds of relay lag.
						const docName = await newDocument(pair.a, `Two nodes ${round}/${clients}`);
						const before = await lag();
						const result = await fanOut(
							readers,
							[
								{ ...pair.a, docName },
								{ ...pair.b, docName }
							],
							clients,
							'Tavolo, two nodes'
						);
						result.relayLag = histogramGrowth(before, await lag());
						twoNodes.push(result);
						logFanOut(result, round);
					}
				}
			} finally {
				await pair.stop();
			}
		}
	} finally {
		await Promise.all(readers.map((r) => r.stop()));
	}
	const idle: IdleResult[] = [];
	if (sections.has('idle')) {
		for (const start of [() => startStock(), startTavolo]) {
			const server = await start();
			try {
				const result = await idleMemory(server, idleClients);
				idle.push(result);
				console.log(
					`${result.server}, ${result.clients} idle connections: RSS ${result.rssBeforeMiB.toFixed(0)} → ${result.rssAfterMiB.toFixed(0)} MiB, ${result.kibPerConnection.toFixed(1)} KiB each`
				);
			} finally {
				await server.stop();
			}
		}
	}
	let burst: BurstResult | null = null;
	if (sections.has('votes')) {
		const server = await startTavolo();
		try {
			burst = await voteBurst(server, voterCount);
			console.log(
				`vote burst, ${burst.voters} voters: ack p50 ${burst.ackP50.toFixed(1)} ms, p99 ${burst.ackP99.toFixed(1)} ms, server mean ${burst.serverTime.meanMs.toFixed(1)} ms (p50 ≤ ${burst.serverTime.p50UpToMs} ms, p99 ≤ ${burst.serverTime.p99UpToMs} ms, ${burst.serverTime.count} votes), every client tallied in ${burst.allTalliedMs.toFixed(0)} ms (${burst.tallied}/${burst.voters}), RSS ${burst.rssBeforeMiB.toFixed(0)} → ${burst.rssPeakMiB.toFixed(0)} MiB, setup ${burst.setupSeconds.toFixed(1)} s`
			);
		} finally {
			await server.stop();
		}
	}

	let cold: ColdResult[] = [];
	let coldServer = '';
	if (sections.has('coldload')) {
		const server = await startTavolo();
		try {
			if (!server.databaseUrl) console.log('cold load skipped: it writes the update rows straight into PostgreSQL, and none answered');
			else {
				cold = await coldLoad(server);
				coldServer = server.name;
				for (const r of cold) {
					console.log(
						`cold load, ${r.compacted ? 'compacted' : `${r.rows} rows`}: stock median ${median(r.stock).toFixed(1)} ms [${r.stock.map((v) => v.toFixed(0)).join(', ')}], Tavolo median ${median(r.ours).toFixed(1)} ms [${r.ours.map((v) => v.toFixed(0)).join(', ')}]`
					);
				}
			}
		} finally {
			await server.stop();
		}
	}

	const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
	const minutes = (performance.now() - started) / 60_000;
	const load = (l: number[]) => l.map((v) => v.toFixed(1)).join(' / ');
	const report = [
		`## Run

\`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${cpu} (/proc/cpuinfo), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${os.type()} ${os.release()}; ${rounds} round(s), readers ${clientCounts.join(', ')} in ${readerProcesses} reader processes, ${rate} updates/s for ${seconds} s.
The run took ${minutes.toFixed(1)} min; load average (1 / 5 / 15 min) ${load(loadAtStart)} at its start, ${load(os.loadavg())} at its end.
`,
		results.length > 0 ? fanOutReport(results, tavoloName) : '',
		twoNodes.length > 0 ? twoNodeReport(twoNodes, results) : '',
		idle.length === 2 ? idleReport(idle) : '',
		burst ? burstReport(burst) : '',
		cold.length > 0 ? coldReport(cold, coldServer) : ''
	]
		.filter(Boolean)
		.join('\n');
	// Printed (and written with --out), never written over docs/benchmarks.md: its text around the
	// tables is edited by hand.
	console.log('\n' + report);
	if (args.out) await writeFile(args.out, report);
	console.log(`bench took ${minutes.toFixed(1)} min`);
	if (jsonFile) {
		await writeFile(
			jsonFile,
			JSON.stringify(
				{
					date: new Date().toISOString(),
					minutes,
					loadAtStart,
					loadAverage: os.loadavg(),
					rounds,
					fanOut: results,
					twoNodes,
					idle,
					burst,
					cold
				},
				null,
				'\t'
			)
		);
	}
	process.exit(0);
}

await main();
