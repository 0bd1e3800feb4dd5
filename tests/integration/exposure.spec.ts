import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { copyPgliteTemplate, createTestDatabase } from '../support/database.ts';
import { testMetricsToken } from '../support/metrics.ts';
import { freePort, killAllServerProcesses, startServerProcess } from '../support/server-process.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * What leaks where it should not (issue 11, item 11): invitation tokens into the access log,
 * /metrics to anyone who asks the app port, and members' e-mail addresses to every member.
 */

afterAll(() => killAllServerProcesses());

describe('the access log', () => {
	it('never writes an invitation token or a token query parameter', async () => {
		const dataDir = await mkdtemp(path.join(tmpdir(), 'tavolo-log-'));
		const database = await createTestDatabase();
		if (!database.url) await copyPgliteTemplate(dataDir);
		const server = await startServerProcess({
			port: await freePort(),
			env: { LOG_LEVEL: 'info', TAVOLO_DATA_DIR: dataDir, ...(database.url ? { DATABASE_URL: database.url } : {}) }
		});
		try {
			const coordinator = new ApiClient(server.url);
			await coordinator.signUp('coordinatrice@log.example', 'Coordinatrice');
			const table = await coordinator.post('/api/v1/tables', { name: 'Tavolo Log', territory: 'Val di Cecina' });
			expect(table.status).toBe(201);
			const invitation = await coordinator.post(`/api/v1/tables/${table.body.id}/invitations`, { role: 'participant' });
			expect(invitation.status).toBe(201);
			const token = invitation.body.token as string;

			const guest = new ApiClient(server.url);
			expect((await guest.get(`/invite/${token}`)).status).toBe(200);
			expect((await guest.get(`/api/v1/invitations/${token}`)).status).toBe(200);
			await guest.signUp('ospite@log.example', 'Ospite');
			expect((await guest.post(`/api/v1/invitations/${token}/accept`)).status).toBe(201);
			const queryToken = 'segreto-nella-query-0123456789';
			await guest.get(`/verify-email?token=${queryToken}`);
			await guest.get(`/reset-password?lang=it&token=${queryToken}`);

			await waitUntil(
				() => server.output().includes(`/api/v1/invitations/<redacted>/accept`) && server.output().includes('"path":"/reset-password"'),
				10_000,
				'the access log lines',
				() => server.output()
			);
			const log = server.output();
			expect(log).toContain('"path":"/invite/<redacted>"');
			expect(log).not.toContain(token);
			expect(log).not.toContain(queryToken);
		} finally {
			await server.kill('SIGTERM');
			await database.drop();
			await rm(dataDir, { recursive: true, force: true });
		}
	});
});

describe('/metrics', () => {
	const scrape = (url: string, authorization?: string) =>
		fetch(url, { headers: authorization ? { authorization } : {} }).then(async (r) => ({ status: r.status, text: await r.text() }));

	it('asks for the bearer token on the app port', async () => {
		const app = await startTestApp({ TAVOLO_METRICS_TOKEN: testMetricsToken });
		try {
			const url = `${app.nodes[0]}/metrics`;
			const anonymous = await scrape(url);
			expect(anonymous.status).toBe(401);
			expect(anonymous.text).not.toMatch(/process_resident_memory_bytes/);
			expect((await scrape(url, 'Bearer not-the-token-at-all')).status).toBe(401);
			expect((await scrape(url, `Basic ${testMetricsToken}`)).status).toBe(401);
			const scraped = await scrape(url, `Bearer ${testMetricsToken}`);
			expect(scraped.status).toBe(200);
			expect(scraped.text).toMatch(/process_resident_memory_bytes/);
		} finally {
			await app.stop();
		}
	});

	it('is not served at all when neither a token nor a port is configured', async () => {
		const app = await startTestApp({ TAVOLO_METRICS_TOKEN: '' });
		try {
			const answer = await scrape(`${app.nodes[0]}/metrics`);
			expect(answer.status).toBe(404);
			expect(answer.text).not.toMatch(/process_resident_memory_bytes/);
			expect(app.metricsUrl).toBeUndefined();
		} finally {
			await app.stop();
		}
	});

	it('moves to a port of its own with TAVOLO_METRICS_PORT, the token still asked when set', async () => {
		const app = await startTestApp({ TAVOLO_METRICS_PORT: '0' });
		try {
			expect((await scrape(`${app.nodes[0]}/metrics`, `Bearer ${testMetricsToken}`)).status).toBe(404);
			expect(app.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
			expect(app.metricsUrl).not.toBe(`${app.nodes[0]}/metrics`);
			expect((await scrape(app.metricsUrl!)).status).toBe(401);
			const scraped = await scrape(app.metricsUrl!, `Bearer ${testMetricsToken}`);
			expect(scraped.status).toBe(200);
			expect(scraped.text).toMatch(/process_resident_memory_bytes/);
		} finally {
			await app.stop();
		}
		const open = await startTestApp({ TAVOLO_METRICS_PORT: '0', TAVOLO_METRICS_TOKEN: '' });
		try {
			expect((await scrape(open.metricsUrl!)).status).toBe(200);
		} finally {
			await open.stop();
		}
	});
});

describe("members' e-mail addresses", () => {
	let app: TestApp;
	const clients = {} as Record<'coordinator' | 'moderator' | 'participant' | 'observer', ApiClient>;
	let tableId: string;

	beforeAll(async () => {
		app = await startTestApp();
		// The first account is the admin: the table's coordinator is someone else.
		const admin = new ApiClient(app.origin);
		await admin.signUp('admin@contatti.example', 'Admin');
		tableId = (await admin.post('/api/v1/tables', { name: 'Tavolo Contatti', territory: 'Alta Val d’Elsa' })).body.id;
		for (const role of ['coordinator', 'moderator', 'participant', 'observer'] as const) {
			clients[role] = new ApiClient(app.origin);
			await clients[role].signUp(`${role}@contatti.example`, `Persona ${role}`);
			await clients[role].joinTable(admin, tableId, { role });
		}
	});
	afterAll(() => app?.stop());

	it('are seen by coordinators only, in the API and in the pages', async () => {
		for (const role of ['moderator', 'participant', 'observer'] as const) {
			const table = await clients[role].get(`/api/v1/tables/${tableId}`);
			expect(table.status).toBe(200);
			const members = table.body.members as Array<Record<string, unknown>>;
			expect(members.length).toBeGreaterThanOrEqual(4);
			for (const member of members) {
				expect(member, role).not.toHaveProperty('email');
				expect(member).toMatchObject({ name: expect.any(String), role: expect.any(String) });
			}
			expect(JSON.stringify(table.body), role).not.toMatch(/@contatti\.example/);
			const page = await clients[role].get(`/tables/${tableId}`);
			expect(page.status).toBe(200);
			expect(page.text, role).toContain('Persona coordinator');
			// The page names the signed-in person with their own address; nobody else's is there.
			for (const other of ['admin', 'coordinator', 'moderator', 'participant', 'observer'].filter((r) => r !== role)) {
				expect(page.text, `${role} sees ${other}`).not.toContain(`${other}@contatti.example`);
			}
		}

		const seen = await clients.coordinator.get(`/api/v1/tables/${tableId}`);
		const emails = (seen.body.members as Array<{ email?: string }>).map((member) => member.email).sort();
		expect(emails).toEqual([
			'admin@contatti.example',
			'coordinator@contatti.example',
			'moderator@contatti.example',
			'observer@contatti.example',
			'participant@contatti.example'
		]);
		expect((await clients.coordinator.get(`/tables/${tableId}`)).text).toContain('observer@contatti.example');
	});
});
