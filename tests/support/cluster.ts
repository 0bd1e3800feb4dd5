import net from 'node:net';
import { newId } from '../../src/lib/server/ids.ts';
import { freePort, startServerProcess, type ServerProcess } from './server-process.ts';

/**
 * The suites' two-node mode (`TAVOLO_TEST_NODES=2`, with DATABASE_URL and REDIS_URL): each test
 * app is the in-process node the test can look into, plus a second `build/server.js` process on
 * the same PostgreSQL database and Redis, behind a round-robin load balancer. Every HTTP and
 * WebSocket connection of the test goes to the balancer, so half of them land on the other node:
 * the suites then prove that two nodes act as one.
 */
export function clusterMode(): { redisUrl: string; databaseUrl: string } | null {
	if (process.env.TAVOLO_TEST_NODES !== '2') return null;
	const redisUrl = process.env.REDIS_URL;
	const databaseUrl = process.env.DATABASE_URL;
	if (!redisUrl || !databaseUrl) throw new Error('TAVOLO_TEST_NODES=2 needs DATABASE_URL and REDIS_URL');
	return { redisUrl, databaseUrl };
}

export interface LoadBalancer {
	url: string;
	port: number;
	/** Where new connections go, in turn. */
	setTargets(ports: number[]): void;
	/** How many connections went to each target port so far. */
	counts(): Map<number, number>;
	close(): Promise<void>;
}

/** A TCP round-robin balancer: the simplest "any load balancer" (no stickiness, no HTTP awareness). */
export async function startLoadBalancer(): Promise<LoadBalancer> {
	let targets: number[] = [];
	let next = 0;
	const counts = new Map<number, number>();
	const sockets = new Set<net.Socket>();
	const track = (socket: net.Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => socket.destroy());
	};
	const server = net.createServer((client) => {
		track(client);
		if (targets.length === 0) return client.destroy();
		const port = targets[next++ % targets.length];
		counts.set(port, (counts.get(port) ?? 0) + 1);
		const upstream = net.connect(port, '127.0.0.1');
		track(upstream);
		client.pipe(upstream);
		upstream.pipe(client);
		client.on('close', () => upstream.destroy());
		upstream.on('close', () => client.destroy());
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	const { port } = server.address() as net.AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		setTargets(ports) {
			targets = ports;
		},
		counts: () => new Map(counts),
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}

export interface SecondNode {
	process: ServerProcess;
	stop(): Promise<void>;
}

/** The other node: build/server.js on the same database and Redis, reached through `origin`. */
export async function startSecondNode(options: {
	databaseUrl: string;
	redisUrl: string;
	redisPrefix: string;
	origin: string;
	env?: Record<string, string>;
}): Promise<SecondNode> {
	const env = {
		...options.env,
		DATABASE_URL: options.databaseUrl,
		REDIS_URL: options.redisUrl,
		TAVOLO_REDIS_PREFIX: options.redisPrefix,
		ORIGIN: options.origin
	};
	// A free port is free when probed; another socket of this busy machine may take it before the
	// process listens (seen in CI: EADDRINUSE). Then the process exits at once: try another port.
	let process: ServerProcess | undefined;
	for (let attempt = 1; !process; attempt++) {
		try {
			process = await startServerProcess({ port: await freePort(), env });
		} catch (error) {
			if (attempt >= 5 || !/EADDRINUSE/.test((error as Error).message)) throw error;
		}
	}
	return {
		process,
		async stop() {
			await process.kill('SIGTERM');
			// With TEST_LOG_LEVEL set (e.g. info), the other node's log is shown, for debugging.
			if (globalThis.process.env.TEST_LOG_LEVEL) console.log(`second node's log:\n${process.output()}`);
		}
	};
}

/** A Redis prefix of the test's own, so parallel test files never see each other's messages. */
export function testRedisPrefix(): string {
	return `tavolo-test-${newId(8)}`;
}

/**
 * Two-node mode for one test app: the environment its in-process node needs (REDIS_URL and a
 * prefix of its own), or nothing when the mode is off or the test brings a Redis of its own.
 */
export function clusterEnvironment(env: Record<string, string>): Record<string, string> {
	const cluster = env.REDIS_URL ? null : clusterMode();
	return cluster ? { REDIS_URL: cluster.redisUrl, TAVOLO_REDIS_PREFIX: testRedisPrefix() } : {};
}

export interface TestPeers {
	/** The balancer's URL: what the test's clients use. */
	url: string;
	/** Each node's own URL, the in-process one first. */
	nodes: string[];
	stop(): Promise<void>;
}

/**
 * The balancer and the second node beside an in-process node already listening on `port` (which
 * keeps its port across restarts), started with `clusterEnv` from clusterEnvironment.
 */
export async function startTestPeers(options: {
	port: number;
	databaseUrl: string;
	clusterEnv: Record<string, string>;
	env: Record<string, string>;
}): Promise<TestPeers> {
	const balancer = await startLoadBalancer();
	const second = await startSecondNode({
		databaseUrl: options.databaseUrl,
		redisUrl: options.clusterEnv.REDIS_URL,
		redisPrefix: options.clusterEnv.TAVOLO_REDIS_PREFIX,
		origin: balancer.url,
		env: options.env
	});
	balancer.setTargets([options.port, Number(new URL(second.process.url).port)]);
	return {
		url: balancer.url,
		nodes: [`http://127.0.0.1:${options.port}`, second.process.url],
		async stop() {
			await balancer.close();
			await second.stop();
		}
	};
}
