import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './server-process.ts';

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

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const open = await new Promise<boolean>((resolve) => {
			const socket = net.connect(port, '127.0.0.1', () => {
				socket.end();
				resolve(true);
			});
			socket.on('error', () => resolve(false));
		});
		if (open) return;
		if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
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
		await waitForPort(port, 10_000).catch((error: Error) => {
			throw new Error(`${error.message}\n${output}`);
		});
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
