import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config.ts';
import type { RunningApp } from '../../server/app.ts';
import { startBuiltApp } from './built-app.ts';
import { copyPgliteTemplate, createTestDatabase } from './database.ts';
import { clusterEnvironment, startTestPeers } from './cluster.ts';
import { testMetricsToken } from './metrics.ts';

/**
 * What every test app gets unless the test says otherwise: the metrics token the test support
 * scrapes with, and sign-ups without a per-address cap (every test client comes from 127.0.0.1;
 * tests/integration/limits.spec.ts sets the cap it checks).
 */
export const testAppDefaults: Record<string, string> = {
	TAVOLO_METRICS_TOKEN: testMetricsToken,
	TAVOLO_SIGNUP_MAX_PER_ADDRESS: '100000'
};

export interface TestApp extends RunningApp {
	origin: string;
	/** Each node's own URL (one, or two in TAVOLO_TEST_NODES=2 mode): /metrics is per node. */
	nodes: string[];
	stop(): Promise<void>;
}

/**
 * Starts the real app (the build: SvelteKit handler, socket.io, /yjs) on port 0 against a fresh
 * migrated database: PGlite in a temporary folder, or a new PostgreSQL database when DATABASE_URL is set.
 */
export async function startTestApp(overrides: Record<string, string> = {}): Promise<TestApp> {
	const env = { ...testAppDefaults, ...overrides };
	const dataDir = await mkdtemp(path.join(tmpdir(), 'tavolo-test-'));
	const database = await createTestDatabase();
	if (!database.url) await copyPgliteTemplate(dataDir);
	// Two-node mode (tests/support/cluster.ts), unless the test brings a Redis of its own.
	const clusterEnv = clusterEnvironment(env);
	const config = loadConfig({
		NODE_ENV: 'test',
		PORT: '0',
		HOST: '127.0.0.1',
		LOG_LEVEL: 'silent',
		TAVOLO_DATA_DIR: dataDir,
		...(database.url ? { DATABASE_URL: database.url } : {}),
		...clusterEnv,
		...env
	});
	const app = await startBuiltApp(config);
	const { port } = app.server.address() as { port: number };
	const peers = clusterEnv.REDIS_URL ? await startTestPeers({ port, databaseUrl: database.url!, clusterEnv, env }) : null;
	const origin = peers?.url ?? `http://127.0.0.1:${port}`;
	return {
		...app,
		url: origin,
		origin,
		nodes: peers?.nodes ?? [origin],
		async stop() {
			await Promise.all([app.close(), peers?.stop()]);
			await database.drop();
			await rm(dataDir, { recursive: true, force: true });
		}
	};
}

/** A tiny cookie-keeping JSON client for the §4 API, sending our Origin like a browser does. */
export class ApiClient {
	private cookie = '';
	constructor(
		readonly base: string,
		private readonly headers: Record<string, string> = {}
	) {}

	async request(method: string, url: string, body?: unknown, extra: Record<string, string> = {}) {
		const response = await fetch(this.base + url, {
			method,
			headers: {
				origin: this.base,
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
				...(this.cookie ? { cookie: this.cookie } : {}),
				...this.headers,
				...extra
			},
			body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
			redirect: 'manual'
		});
		for (const header of response.headers.getSetCookie()) {
			const [pair] = header.split(';');
			const [name, value] = pair.split('=');
			if (name === 'tavolo_session') this.cookie = value ? `${name}=${value}` : '';
		}
		const text = await response.text();
		let json: any;
		try {
			json = text ? JSON.parse(text) : undefined;
		} catch {
			json = undefined;
		}
		return { status: response.status, body: json, text, headers: response.headers };
	}

	get sessionCookie(): string {
		return this.cookie;
	}
	get = (url: string) => this.request('GET', url);
	post = (url: string, body?: unknown) => this.request('POST', url, body ?? {});
	put = (url: string, body?: unknown) => this.request('PUT', url, body ?? {});
	patch = (url: string, body?: unknown) => this.request('PATCH', url, body ?? {});
	delete = (url: string) => this.request('DELETE', url);

	/**
	 * Joins a table the way people do: `inviter` (a coordinator) creates an invitation with these
	 * settings and this client accepts it. Fails loudly if either step is refused.
	 */
	async joinTable(inviter: ApiClient, tableId: string, invitation: { role: string; [setting: string]: unknown }) {
		const created = await inviter.post(`/api/v1/tables/${tableId}/invitations`, invitation);
		if (created.status !== 201) throw new Error(`invitation refused: ${created.status} ${created.text}`);
		const accepted = await this.post(`/api/v1/invitations/${created.body.token}/accept`);
		if (accepted.status !== 201) throw new Error(`invitation not accepted: ${accepted.status} ${accepted.text}`);
	}

	async signUp(email: string, name = email.split('@')[0], password = 'password-sicura-1') {
		const response = await this.post('/api/v1/auth/signup', { email, password, name });
		if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${response.text}`);
		return response.body.user as { id: string; email: string; name: string; isAdmin: boolean; emailVerified: boolean };
	}
}
