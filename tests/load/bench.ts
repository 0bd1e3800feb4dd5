/**
 * `npm run bench`: fan-out of one writer's edits to N stock y-websocket clients in one document,
 * against Tavolo (auth, read-only checks and PostgreSQL persistence on) and against the stock
 * `@y/websocket-server` in the same run. Prints a table and writes docs/benchmarks.md.
 *
 * Not a test: it asserts nothing and is never run by CI. Sizes: BENCH_CLIENTS=100,200,500,
 * BENCH_SECONDS=10, BENCH_RATE=20 (updates per second).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

const clientCounts = (process.env.BENCH_CLIENTS ?? '100,200,500').split(',').map(Number);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rate = Number(process.env.BENCH_RATE ?? 20);
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
		const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
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

async function startStock(): Promise<Server> {
	const { child, port } = await startProcess(['tests/load/stock-server.ts'], { PORT: '0' });
	return {
		name: 'stock @y/websocket-server',
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

async function startTavolo(): Promise<Server> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tavolo-bench-'));
	const postgres = await freshPostgres();
	const port = 20000 + Math.floor(Math.random() * 20000);
	const origin = `http://127.0.0.1:${port}`;
	const { child } = await startProcess(['server/main.ts'], {
		PORT: String(port),
		HOST: '127.0.0.1',
		ORIGIN: origin,
		TAVOLO_DATA_DIR: dataDir,
		...(postgres ? { DATABASE_URL: postgres.url } : {}),
		LOG_LEVEL: 'warn'
	});
	const post = async (url: string, body: unknown, cookie = '') => {
		const response = await fetch(origin + url, {
			method: 'POST',
			headers: { origin, 'content-type': 'application/json', cookie },
			body: JSON.stringify(body)
		});
		const session = response.headers.getSetCookie().find((c) => c.startsWith('tavolo_session='))?.split(';')[0];
		return { body: (await response.json()) as Record<string, string>, cookie: session ?? cookie };
	};
	const { cookie } = await post('/api/v1/auth/signup', { email: 'bench@tavolo.example', password: 'benchmark-password', name: 'Bench' });
	const table = await post('/api/v1/tables', { name: 'Bench', territory: 'Bench' }, cookie);
	const document = await post(`/api/v1/tables/${table.body.id}/documents`, { kind: 'other', title: 'Bench' }, cookie);
	return {
		name: `Tavolo (auth + ${postgres ? 'PostgreSQL' : 'PGlite'} persistence)`,
		url: `ws://127.0.0.1:${port}/yjs`,
		docName: document.body.docName,
		headers: { cookie, origin },
		process: child,
		async stop() {
			child.kill('SIGTERM');
			await new Promise((resolve) => child.once('exit', resolve));
			await rm(dataDir, { recursive: true, force: true });
			await postgres?.drop();
		}
	};
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
	delivered: number;
	expected: number;
	p50: number;
	p99: number;
	rssMiB: number;
}

async function fanOut(server: Server, clients: number): Promise<Result> {
	const WS = socketWithHeaders(server.headers);
	const providers: WebsocketProvider[] = [];
	const sentAt = new Map<number, number>();
	const latencies: number[] = [];
	const connect = (doc: Y.Doc) =>
		new WebsocketProvider(server.url, server.docName, doc, { WebSocketPolyfill: WS as never, disableBc: true });

	// Readers, connected in batches so the connection burst itself is not what is measured.
	for (let i = 0; i < clients; i += 50) {
		const batch = Array.from({ length: Math.min(50, clients - i) }, () => {
			const doc = new Y.Doc();
			doc.getMap('bench').observe((event) => {
				if (event.transaction.local) return;
				const seq = doc.getMap('bench').get('seq') as number;
				const sent = sentAt.get(seq);
				if (sent !== undefined) latencies.push(performance.now() - sent);
			});
			return connect(doc);
		});
		providers.push(...batch);
		await Promise.all(batch.map((p) => new Promise<void>((resolve) => (p.synced ? resolve() : p.once('sync', () => resolve())))));
	}
	const writerDoc = new Y.Doc();
	const writer = connect(writerDoc);
	await new Promise<void>((resolve) => writer.once('sync', () => resolve()));

	const total = seconds * rate;
	for (let seq = 1; seq <= total; seq++) {
		sentAt.set(seq, performance.now());
		writerDoc.getMap('bench').set('seq', seq);
		await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
	}
	await new Promise((resolve) => setTimeout(resolve, 2000));
	const rss = await rssOf(server.process);
	writer.destroy();
	for (const provider of providers) provider.destroy();
	await new Promise((resolve) => setTimeout(resolve, 1000));

	latencies.sort((a, b) => a - b);
	return {
		server: server.name,
		clients,
		delivered: latencies.length,
		expected: total * clients,
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99),
		rssMiB: rss / 1024 / 1024
	};
}

async function main() {
	if (!existsSync(path.join(root, 'build/handler.js'))) {
		console.error('No build found: run `npm run build` first.');
		process.exit(1);
	}
	const results: Result[] = [];
	for (const start of [startStock, startTavolo]) {
		const server = await start();
		try {
			for (const clients of clientCounts) {
				const result = await fanOut(server, clients);
				results.push(result);
				console.log(`${result.server}, ${clients} clients: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, RSS ${result.rssMiB.toFixed(0)} MiB, delivered ${result.delivered}/${result.expected}`);
			}
		} finally {
			await server.stop();
		}
	}

	const rows = clientCounts.map((clients) => {
		const stock = results.find((r) => r.clients === clients && r.server.startsWith('stock'))!;
		const ours = results.find((r) => r.clients === clients && r.server.startsWith('Tavolo'))!;
		return `| ${clients} | ${stock.p50.toFixed(1)} / ${stock.p99.toFixed(1)} | ${ours.p50.toFixed(1)} / ${ours.p99.toFixed(1)} | ${(ours.p99 / stock.p99).toFixed(2)}× | ${stock.rssMiB.toFixed(0)} | ${ours.rssMiB.toFixed(0)} | ${(ours.rssMiB / stock.rssMiB).toFixed(2)}× | ${ours.delivered}/${ours.expected} |`;
	});
	const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
	const report = `# Benchmarks

Run by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}.

## Fan-out: one writer, N readers in one document

One stock \`y-websocket\` writer makes ${rate} updates per second for ${seconds} s; N stock
\`y-websocket\` readers in the same document record when each update arrives (same process, same
clock). Tavolo runs with authentication, read-only checks and persistence on
(${results.find((r) => r.server.startsWith('Tavolo'))?.server ?? 'Tavolo'}); the stock \`@y/websocket-server\` runs in memory with none of them. Both are separate Node
processes started with \`node --import tsx\`; RSS is the server's, read from /proc after the run.

| clients | stock p50 / p99 (ms) | Tavolo p50 / p99 (ms) | p99 ratio | stock RSS (MiB) | Tavolo RSS (MiB) | RSS ratio | Tavolo delivered |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Ratios are Tavolo ÷ stock: below 1 is better than the stock server. Latency here includes the
readers' own work (all clients share one process and one core with the writer).
`;
	await writeFile(path.join(root, 'docs/benchmarks.md'), report);
	console.log('\n' + report);
	process.exit(0);
}

await main();
