import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './server-process.ts';
import { waitUntil } from './wait-until.ts';

/**
 * A Redis server of the test's own on a free port, without persistence, so a test may kill it and
 * start it again (a restart loses every stream, as a real Redis without AOF does). The shared
 * Redis on 6379 is never touched.
 */
export interface PrivateRedis {
	port: number;
	url: string;
	/** SIGKILL: connections drop, and everything Redis held is gone. */
	kill(): Promise<void>;
	start(): Promise<void>;
	dispose(): Promise<void>;
}

/** Whether something listens on the port now. */
function listening(port: number): Promise<boolean> {
	return new Promise<boolean>((resolve) => {
		const socket = net.connect(port, '127.0.0.1', () => {
			socket.end();
			resolve(true);
		});
		socket.on('error', () => resolve(false));
	});
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
	const port = await freePort();
	const dir = await mkdtemp(path.join(tmpdir(), 'tavolo-redis-'));
	let child: ChildProcess | null = null;
	let output = '';
	const start = async () => {
		child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
			stdio: ['ignore', 'pipe', 'pipe']
		});
		child.on('error', (error) => (output += `\n${error.message}`));
		child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000)));
		child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000)));
		const started = child;
		// A busy machine gets a minute; a redis-server that exited ends the wait at once.
		await waitUntil(
			async () => started.exitCode !== null || (await listening(port)),
			60_000,
			`redis-server to listen on ${port}`,
			() => output
		);
		if (started.exitCode !== null) throw new Error(`redis-server exited (code ${started.exitCode}) before listening on ${port}\n${output}`);
	};
	const kill = async () => {
		const running = child;
		child = null;
		if (!running || running.exitCode !== null) return;
		await new Promise<void>((resolve) => {
			running.once('exit', () => resolve());
			running.kill('SIGKILL');
		});
	};
	await start();
	return {
		port,
		url: `redis://127.0.0.1:${port}`,
		kill,
		start,
		async dispose() {
			await kill();
			await rm(dir, { recursive: true, force: true });
		}
	};
}
