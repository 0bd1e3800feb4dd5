import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { testMetricsToken } from './metrics.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const readyLine = /Tavolo is ready: open (\S+)/;
/** Kept per process for the failure message: enough to see the last errors, bounded. */
const maxOutputChars = 64 * 1024;

/**
 * `build/server.js` as its own operating-system process, as it runs in production, so a test can
 * kill it with SIGKILL (no shutdown hook runs, nothing is flushed) and start another one on the
 * same port and data. The in-process harness (tests/support/yjs-harness.ts) cannot do that: a
 * killed test worker takes the test with it.
 */
export interface ServerProcess {
	readonly pid: number;
	/** http://127.0.0.1:<port>. */
	readonly url: string;
	/** The ORIGIN the process was given: `url` unless the options named another one. */
	readonly origin: string;
	/** ws://127.0.0.1:<port>/yjs */
	readonly yjsUrl: string;
	/** Everything the process printed so far (stdout and stderr), for failure messages. */
	output(): string;
	/** Resolves once the process has exited, with how it ended. */
	readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	/** "running", or how it ended plus its last output: for a failed wait's message. */
	describe(): string;
	/** Sends `signal` and waits for the exit. SIGKILL is the crash; SIGTERM the graceful stop. */
	kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface ServerProcessOptions {
	port: number;
	/** Set on top of a clean environment: DATABASE_URL, REDIS_URL, TAVOLO_DATA_DIR, TAVOLO_* limits. */
	env: Record<string, string>;
	/**
	 * The public origin (ORIGIN) when it is not the process's own URL: several nodes behind one
	 * address. Clients must then send it as their Origin header.
	 */
	origin?: string;
	/**
	 * How long the process may take to say it is ready. Generous: a busy machine is slow, not
	 * broken; a process that exits fails the wait at once.
	 */
	readyTimeoutMs?: number;
}

/** Every process started here that has not exited yet, so a failed test can still end them. */
const running = new Set<ServerProcess>();

/** A port nobody listens on right now (the kernel's choice), to give a process a fixed port. */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = net.createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as net.AddressInfo;
			probe.close(() => resolve(port));
		});
	});
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
	const url = `http://127.0.0.1:${options.port}`;
	// Only what the app reads: an inherited DATABASE_URL must not leak into a PGlite run.
	const env: Record<string, string> = {
		PATH: process.env.PATH ?? '',
		HOME: process.env.HOME ?? '/tmp',
		NODE_ENV: 'production',
		PORT: String(options.port),
		HOST: '127.0.0.1',
		ORIGIN: options.origin ?? url,
		LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
		TAVOLO_METRICS_TOKEN: testMetricsToken,
		// Test clients all come from 127.0.0.1: sign-ups are not capped per address here.
		TAVOLO_SIGNUP_MAX_PER_ADDRESS: '100000',
		...options.env
	};
	const child: ChildProcess = spawn(process.execPath, ['build/server.js'], {
		cwd: repoRoot,
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	const append = (chunk: Buffer) => {
		output = (output + chunk.toString()).slice(-maxOutputChars);
	};
	child.stdout?.on('data', append);
	child.stderr?.on('data', append);
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
		child.once('exit', (code, signal) => resolve({ code, signal }));
	});

	const handle: ServerProcess = {
		pid: child.pid ?? -1,
		url,
		origin: options.origin ?? url,
		yjsUrl: `ws://127.0.0.1:${options.port}/yjs`,
		output: () => output,
		exited,
		describe() {
			if (child.exitCode === null && child.signalCode === null) return `server process ${child.pid} running`;
			return `server process ${child.pid} exited (code ${child.exitCode}, signal ${child.signalCode}); its last output:\n${output.slice(-4000)}`;
		},
		async kill(signal = 'SIGKILL') {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
			await exited;
		}
	};
	running.add(handle);
	void exited.then(() => running.delete(handle));

	const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
	try {
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`not ready within ${readyTimeoutMs} ms`)), readyTimeoutMs);
			const onData = () => {
				if (!readyLine.test(output)) return;
				clearTimeout(timer);
				child.stdout?.off('data', onData);
				resolve();
			};
			child.stdout?.on('data', onData);
			void exited.then(({ code, signal }) => {
				clearTimeout(timer);
				reject(new Error(`exited before it was ready (code ${code}, signal ${signal})`));
			});
		});
	} catch (error) {
		await handle.kill('SIGKILL');
		throw new Error(`Tavolo server process on port ${options.port}: ${(error as Error).message}\n${output}`, { cause: error });
	}
	return handle;
}

/** One of several server processes sharing a database; `restart` starts it again on its port. */
export interface ServerNode {
	readonly port: number;
	current: ServerProcess;
	restart(): Promise<ServerProcess>;
}

/**
 * `count` processes of build/server.js on one DATABASE_URL (and REDIS_URL when given), each on a
 * port of its own: the starting point for scale-out faults (Redis restarted, one node killed and
 * its clients moving to another). Started one after another, so only the first runs migrations.
 */
export async function startServerNodes(options: {
	count: number;
	databaseUrl: string;
	redisUrl?: string;
	origin?: string;
	env?: Record<string, string>;
}): Promise<ServerNode[]> {
	const nodes: ServerNode[] = [];
	for (let i = 0; i < options.count; i++) {
		const port = await freePort();
		const start = () =>
			startServerProcess({
				port,
				origin: options.origin,
				env: { DATABASE_URL: options.databaseUrl, ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}), ...options.env }
			});
		const node: ServerNode = {
			port,
			current: await start(),
			async restart() {
				node.current = await start();
				return node.current;
			}
		};
		nodes.push(node);
	}
	return nodes;
}

/** Kills every server process still running (afterAll, whatever the test's outcome). */
export async function killAllServerProcesses(): Promise<void> {
	await Promise.all([...running].map((server) => server.kill('SIGKILL')));
}
