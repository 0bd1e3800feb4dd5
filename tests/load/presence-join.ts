/**
 * `npx tsx tests/load/presence-join.ts`: N members join one live room at R per second, their
 * socket.io clients spread over W worker processes (so the clients' own CPU is not one event loop),
 * against build/server.js (`npm run build` first) on a fresh PostgreSQL database (BENCH_POSTGRES_URL,
 * else PGlite). With PRESENCE_NODES=2, two nodes on a private Redis, members alternating between them.
 *
 * Measures: join ack latency (p50, p95, p99, max), the whole join's duration until every tab lists
 * everyone, the presence bytes every client received (the deltas, and the `present` list of the
 * join acks), and what one late arrival into the full room costs each of the others. Prints the
 * figures with the machine's load average. Not a test (asserts nothing, never run by CI).
 *
 * Sizes: PRESENCE_MEMBERS=500, PRESENCE_RATE=100 (joins per second), PRESENCE_WORKERS=4.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { PresenceTracker } from '../../src/lib/live/presence-list.ts';
import type { ClientToServerEvents, LiveState, ServerToClientEvents } from '../../src/lib/realtime/protocol.ts';
import { startPrivateRedis } from '../support/private-redis.ts';
import { freePort } from '../support/server-process.ts';

const root = path.resolve(import.meta.dirname, '../..');
type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

interface WorkerTask {
	meetingId: string;
	members: Array<{ cookie: string; origin: string; userId: string; offsetMs: number }>;
	startAt: number;
	total: number;
}
interface WorkerResult {
	ackMs: number[];
	/** Bytes of presence events received (as the server sent them: `42["presence:…",{…}]`). */
	deltaBytes: number;
	deltaEvents: number;
	/** Bytes of the `present` lists in the join acks. */
	ackPresentBytes: number;
	/** Milliseconds from the start until each tab listed everyone. */
	convergedMs: number[];
	resyncs: number;
	failures: string[];
}

// ——— the worker: its share of the members, joining on schedule ———

async function runWorker(): Promise<void> {
	const task = await new Promise<WorkerTask>((resolve) => process.once('message', (message) => resolve(message as WorkerTask)));
	const result: WorkerResult = { ackMs: [], deltaBytes: 0, deltaEvents: 0, ackPresentBytes: 0, convergedMs: [], resyncs: 0, failures: [] };
	const tabs: Array<{ socket: ClientSocket; tracker: PresenceTracker; bytes: number; converged: boolean }> = [];
	await Promise.all(
		task.members.map(async (member) => {
			const socket: ClientSocket = io(member.origin, {
				path: '/socket.io',
				transports: ['websocket'],
				extraHeaders: { cookie: member.cookie, origin: member.origin },
				reconnection: false,
				forceNew: true,
				autoConnect: false
			});
			const tracker = new PresenceTracker();
			const tab = { socket, tracker, bytes: 0, converged: false };
			tabs.push(tab);
			const check = () => {
				if (tracker.present.length === task.total && !tab.converged) {
					tab.converged = true;
					result.convergedMs.push(Date.now() - task.startAt);
				}
			};
			for (const kind of ['joined', 'left', 'changed'] as const) {
				socket.on(`presence:${kind}` as 'presence:joined', (delta) => {
					if (tracker.apply({ kind, ...delta } as Parameters<PresenceTracker['apply']>[0]) === 'applied') check();
				});
			}
			// What arrives on the wire: every presence event's packet, counted as sent.
			socket.io.on('open', () => {
				socket.io.engine.on('packet', (packet: { type: string; data?: unknown }) => {
					if (packet.type === 'message' && typeof packet.data === 'string' && packet.data.startsWith('2["presence:')) {
						result.deltaBytes += packet.data.length + 1;
						tab.bytes += packet.data.length + 1;
						result.deltaEvents++;
					}
				});
			});
			await new Promise<void>((resolve, reject) => {
				socket.once('connect', () => resolve());
				socket.once('connect_error', reject);
				socket.connect();
			});
			await new Promise((resolve) => setTimeout(resolve, Math.max(0, task.startAt + member.offsetMs - Date.now())));
			const sent = performance.now();
			const answer = await socket.timeout(60_000).emitWithAck('meeting:join', { meetingId: task.meetingId });
			result.ackMs.push(performance.now() - sent);
			if (!answer.ok) {
				result.failures.push(answer.error.code);
				return;
			}
			const state = answer.state as LiveState;
			result.ackPresentBytes += JSON.stringify(state.present).length;
			tracker.reset({ present: state.present, eligiblePresent: state.eligiblePresent, version: state.presenceVersion });
			check();
		})
	);
	// Until every tab lists everyone (or 60 s): a gap that stays open is answered as the room does.
	const deadline = Date.now() + 60_000;
	while (tabs.some((t) => t.tracker.present.length !== task.total) && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 200));
		for (const tab of tabs.filter((t) => t.tracker.waiting)) {
			result.resyncs++;
			const answer = await tab.socket.timeout(10_000).emitWithAck('presence:sync', { meetingId: task.meetingId });
			if (answer.ok) tab.tracker.reset(answer);
		}
	}
	const missing = tabs.filter((t) => t.tracker.present.length !== task.total).length;
	if (missing > 0) result.failures.push(`${missing} tabs did not list everyone`);
	process.send!({ type: 'joined', result });

	// The late arrival: the parent says when it has joined; each tab reports what it received since.
	const before = tabs.map((t) => t.bytes);
	await new Promise((resolve) => process.once('message', resolve));
	const settle = Date.now() + 10_000;
	while (tabs.some((t) => t.tracker.present.length !== task.total + 1) && Date.now() < settle) await new Promise((r) => setTimeout(r, 50));
	process.send!({ type: 'late', perTab: tabs.map((t, i) => t.bytes - before[i]) });
	await new Promise((resolve) => process.once('message', resolve));
	for (const tab of tabs) tab.socket.close();
	process.exit(0);
}

// ——— the parent: the server(s), the members, the workers, the report ———

async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> } | null> {
	const base = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
	const name = `tavolo_presence_${Date.now()}`;
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

async function launchNode(
	port: number,
	origin: string,
	env: Record<string, string>
): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tavolo-presence-'));
	const child = spawn(process.execPath, ['build/server.js'], {
		cwd: root,
		env: {
			...process.env,
			PORT: String(port),
			HOST: '127.0.0.1',
			ORIGIN: origin,
			TAVOLO_DATA_DIR: dataDir,
			TAVOLO_API_REQUESTS_PER_MINUTE: '1000000',
			TAVOLO_SIGNUP_MAX_PER_ADDRESS: '1000000',
			LOG_LEVEL: 'warn',
			...env
		},
		stdio: ['ignore', 'pipe', 'inherit']
	});
	await new Promise<void>((resolve, reject) => {
		let output = '';
		child.stdout!.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			if (/Tavolo is ready/.test(output)) resolve();
		});
		child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${output}`)));
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

async function inBatches<T, R>(items: readonly T[], width: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
	const results: R[] = [];
	for (let i = 0; i < items.length; i += width)
		results.push(...(await Promise.all(items.slice(i, i + width).map((item, j) => task(item, i + j)))));
	return results;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

async function main(): Promise<void> {
	const members = Number(process.env.PRESENCE_MEMBERS ?? 500);
	const rate = Number(process.env.PRESENCE_RATE ?? 100);
	const workers = Number(process.env.PRESENCE_WORKERS ?? 4);
	const nodeCount = Number(process.env.PRESENCE_NODES ?? 1);
	const postgres = await freshPostgres();
	if (nodeCount > 1 && !postgres) throw new Error('two nodes need PostgreSQL (BENCH_POSTGRES_URL)');
	const redis = nodeCount > 1 ? await startPrivateRedis() : null;
	const env: Record<string, string> = {
		...(postgres ? { DATABASE_URL: postgres.url } : {}),
		...(redis ? { REDIS_URL: redis.url, TAVOLO_REDIS_PREFIX: `presence-${Date.now()}` } : {})
	};
	const ports = await Promise.all(Array.from({ length: nodeCount }, () => freePort()));
	const origin = `http://127.0.0.1:${ports[0]}`;
	const nodes = [];
	// The first node migrates; the others start after it, with the first's ORIGIN (one site).
	for (const port of ports) nodes.push(await launchNode(port, origin, env));
	const origins = ports.map((port) => `http://127.0.0.1:${port}`);
	const children: ChildProcess[] = [];
	try {
		const admin = await postJson(origin, '/api/v1/auth/signup', {
			email: 'admin@presence.example',
			password: 'benchmark-password',
			name: 'Admin'
		});
		const table = await postJson(origin, '/api/v1/tables', { name: 'Presenze', territory: 'Bench' }, admin.cookie);
		const meeting = await postJson(
			origin,
			`/api/v1/tables/${table.body.id}/meetings`,
			{ title: 'Bench: presenze', startsAt: '2030-01-10T15:00:00+01:00', endsAt: '2030-01-10T17:00:00+01:00' },
			admin.cookie
		);
		const meetingId = meeting.body.id as string;
		const tokens: string[] = [];
		for (let left = members + 1; left > 0; left -= 500)
			tokens.push(
				(
					await postJson(
						origin,
						`/api/v1/tables/${table.body.id}/invitations`,
						{ role: 'participant', maxUses: Math.min(500, left) },
						admin.cookie
					)
				).body.token
			);
		const setupStart = performance.now();
		const people = await inBatches(
			Array.from({ length: members + 1 }, (_, i) => i),
			8,
			async (i) => {
				const { cookie, body } = await postJson(origin, '/api/v1/auth/signup', {
					email: `member${i}@presence.example`,
					password: 'benchmark-password',
					name: `Membro ${String(i).padStart(3, '0')}`
				});
				await postJson(origin, `/api/v1/invitations/${tokens[Math.floor(i / 500)]}/accept`, {}, cookie);
				return { cookie, userId: String(body.user?.id ?? i), origin: origins[i % origins.length] };
			}
		);
		// The meeting is live: every join writes its stay in the attendance register too.
		await postJson(origin, `/api/v1/meetings/${meetingId}/status`, { status: 'live' }, admin.cookie);
		const late = people.pop()!;
		console.log(`setup: ${members + 1} members in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);

		const startAt = Date.now() + 3_000;
		const shares = Array.from({ length: workers }, () => [] as WorkerTask['members']);
		people.forEach((person, i) => shares[i % workers].push({ ...person, offsetMs: (i * 1000) / rate }));
		const joined: Array<Promise<WorkerResult>> = [];
		const lateReports: Array<Promise<number[]>> = [];
		for (const share of shares) {
			const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'worker'], {
				cwd: root,
				stdio: ['ignore', 'inherit', 'inherit', 'ipc']
			});
			children.push(child);
			joined.push(new Promise((resolve) => child.once('message', (m: { result: WorkerResult }) => resolve(m.result))));
			child.send({ meetingId, members: share, startAt, total: members } satisfies WorkerTask);
		}
		const loadBefore = os.loadavg();
		const results = await Promise.all(joined);
		const loadAfter = os.loadavg();
		for (const child of children)
			lateReports.push(new Promise((resolve) => child.once('message', (m: { perTab: number[] }) => resolve(m.perTab))));

		// One more member joins the full room.
		const lateSocket: ClientSocket = io(late.origin, {
			path: '/socket.io',
			transports: ['websocket'],
			extraHeaders: { cookie: late.cookie, origin: late.origin },
			reconnection: false,
			forceNew: true
		});
		await new Promise<void>((resolve, reject) => {
			lateSocket.once('connect', () => resolve());
			lateSocket.once('connect_error', reject);
		});
		const lateSent = performance.now();
		const lateAnswer = await lateSocket.timeout(30_000).emitWithAck('meeting:join', { meetingId });
		const lateAckMs = performance.now() - lateSent;
		for (const child of children) child.send('late');
		const perTab = (await Promise.all(lateReports)).flat();
		for (const child of children) child.send('done');
		lateSocket.close();

		const acks = results.flatMap((r) => r.ackMs).sort((a, b) => a - b);
		const converged = results.flatMap((r) => r.convergedMs).sort((a, b) => a - b);
		const deltaBytes = results.reduce((sum, r) => sum + r.deltaBytes, 0);
		const ackPresentBytes = results.reduce((sum, r) => sum + r.ackPresentBytes, 0);
		const failures = results.flatMap((r) => r.failures);
		const lines = [
			`${members} members joining at ${rate}/s over ${workers} worker processes, ${nodeCount} node(s), ${postgres ? 'PostgreSQL' : 'PGlite'}`,
			`join ack: p50 ${percentile(acks, 50).toFixed(0)} ms, p95 ${percentile(acks, 95).toFixed(0)} ms, p99 ${percentile(acks, 99).toFixed(0)} ms, max ${acks.at(-1)?.toFixed(0)} ms`,
			`every tab listing everyone: ${(converged.at(-1)! / 1000).toFixed(1)} s after the first join (schedule: ${(members / rate).toFixed(1)} s)`,
			`presence bytes: deltas ${mb(deltaBytes)} (${results.reduce((s, r) => s + r.deltaEvents, 0)} events), join acks' lists ${mb(ackPresentBytes)}, total ${mb(deltaBytes + ackPresentBytes)}`,
			`late join into ${members}: ack ${lateAckMs.toFixed(0)} ms (${lateAnswer.ok ? 'ok' : 'refused'}), each other tab received at most ${Math.max(...perTab)} bytes (median ${percentile(
				[...perTab].sort((a, b) => a - b),
				50
			)})`,
			`resyncs (a gap asked again): ${results.reduce((s, r) => s + r.resyncs, 0)}; failures: ${failures.length ? failures.join(', ') : 'none'}`,
			`load average (1, 5, 15 min): before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}; ${os.cpus().length} cores`
		];
		console.log(lines.join('\n'));
	} finally {
		for (const child of children) child.kill();
		for (const node of nodes) await node.stop();
		await redis?.dispose();
		await postgres?.drop();
	}
}

if (process.argv[2] === 'worker') await runWorker();
else await main();
