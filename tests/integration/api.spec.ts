import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { scrapeMetrics } from '../support/metrics.ts';

let app: TestApp;
let admin: ApiClient;
let tableId: string;

beforeAll(async () => {
	app = await startTestApp();
	admin = new ApiClient(app.origin);
	await admin.signUp('coordinatrice@sds.example', 'Giulia Coordinatrice');
	const created = await admin.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna Pistoiese' });
	tableId = created.body.id;
});

afterAll(async () => {
	await app?.stop();
});

describe('auth', () => {
	it('makes the very first account admin and later ones not', async () => {
		const me = await admin.get('/api/v1/me');
		expect(me.status).toBe(200);
		expect(me.body.user).toMatchObject({ email: 'coordinatrice@sds.example', isAdmin: true });
		const second = await new ApiClient(app.origin).signUp('sindaco@comune.example');
		expect(second.isAdmin).toBe(false);
	});

	it('sets an HttpOnly, SameSite=Lax session cookie and stores only a hash of the token', async () => {
		const response = await fetch(`${app.origin}/api/v1/auth/signup`, {
			method: 'POST',
			headers: { origin: app.origin, 'content-type': 'application/json' },
			body: JSON.stringify({ email: 'cookie@test.example', password: 'password-sicura-1', name: 'Cookie' })
		});
		const cookie = response.headers.getSetCookie().find((c) => c.startsWith('tavolo_session='))!;
		expect(cookie).toMatch(/HttpOnly/i);
		expect(cookie).toMatch(/SameSite=Lax/i);
		const token = cookie.split(';')[0].split('=')[1];
		const rows = await app.context.db.selectFrom('sessions').select('id').execute();
		expect(rows.some((r) => r.id === token)).toBe(false);
		expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.id))).toBe(true);
	});

	it('refuses a second signup with the same email, whatever its case, and creates nothing', async () => {
		const before = await app.context.db.selectFrom('users').select('id').execute();
		const again = await new ApiClient(app.origin).post('/api/v1/auth/signup', {
			email: 'Coordinatrice@SDS.example',
			password: 'password-sicura-1',
			name: 'Doppione'
		});
		expect(again.status).toBe(409);
		expect(again.body.error.code).toBe('email_taken');
		expect(again.body.error.message).toMatch(/Esiste già un account/);
		const after = await app.context.db.selectFrom('users').select('id').execute();
		expect(after.length).toBe(before.length);
	});

	it.each([
		[{ email: '', password: 'password-sicura-1', name: 'A' }, 'email'],
		[{ email: 'a@b.example', password: 'corta', name: 'A' }, 'password'],
		[{ email: 'a@b.example', password: 'password-sicura-1', name: '' }, 'name'],
		[{ email: 'a@b.example', password: 'password-sicura-1', name: 'x'.repeat(121) }, 'name'],
		[{ email: 42, password: 'password-sicura-1', name: 'A' }, 'email'],
		[{ email: 'non-una-email', password: 'password-sicura-1', name: 'A' }, 'email']
	])('refuses bad signup input %j naming the field', async (input, field) => {
		const response = await new ApiClient(app.origin).post('/api/v1/auth/signup', input);
		expect(response.status).toBe(400);
		expect(response.body.error.code).toBe('validation_failed');
		expect(Object.keys(response.body.error.fields)).toContain(field);
		const users = await app.context.db.selectFrom('users').select('email').where('email', '=', 'a@b.example').execute();
		expect(users).toHaveLength(0);
	});

	it('refuses malformed JSON and oversized bodies with a JSON error', async () => {
		const client = new ApiClient(app.origin);
		const bad = await client.request('POST', '/api/v1/auth/login', '{not json', { 'content-type': 'application/json' });
		expect(bad.status).toBe(400);
		expect(bad.body.error.code).toBe('bad_json');
		const big = await client.post('/api/v1/auth/signup', { email: 'big@x.example', password: 'p'.repeat(100), name: 'x'.repeat(70_000) });
		expect(big.status).toBe(413);
		expect(big.body.error.code).toBe('payload_too_large');
	});

	it('logs in, reports wrong passwords without saying which part was wrong, and logs out', async () => {
		const client = new ApiClient(app.origin);
		await client.signUp('login@test.example', 'Login', 'password-giusta-1');
		const loggedOut = await client.post('/api/v1/auth/logout');
		expect(loggedOut.status).toBe(200);
		expect((await client.get('/api/v1/me')).status).toBe(401);
		const wrong = await client.post('/api/v1/auth/login', { email: 'login@test.example', password: 'sbagliata' });
		expect(wrong.status).toBe(401);
		expect(wrong.body.error).toMatchObject({ code: 'invalid_credentials', message: 'Email o password non corretti.' });
		const unknown = await client.post('/api/v1/auth/login', { email: 'nessuno@test.example', password: 'sbagliata' });
		expect(unknown.body.error.code).toBe('invalid_credentials');
		const ok = await client.post('/api/v1/auth/login', { email: 'LOGIN@test.example', password: 'password-giusta-1' });
		expect(ok.status).toBe(200);
		expect((await client.get('/api/v1/me')).body.user.email).toBe('login@test.example');
	});

	it('a logged-out session token no longer works', async () => {
		const client = new ApiClient(app.origin);
		await client.signUp('revoked@test.example');
		const cookie = client.sessionCookie;
		await client.post('/api/v1/auth/logout');
		const replay = await fetch(`${app.origin}/api/v1/me`, { headers: { cookie } });
		expect(replay.status).toBe(401);
	});

	it('refuses state-changing requests from another origin or without one', async () => {
		const foreign = await new ApiClient(app.origin, { origin: 'https://evil.example' }).post('/api/v1/auth/signup', {
			email: 'evil@x.example',
			password: 'password-sicura-1',
			name: 'Evil'
		});
		expect(foreign.status).toBe(403);
		expect(foreign.body.error.code).toBe('bad_origin');
		const none = await fetch(`${app.origin}/api/v1/tables`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', cookie: admin.sessionCookie },
			body: JSON.stringify({ name: 'X', territory: 'Y' })
		});
		expect(none.status).toBe(403);
		const count = await app.context.db.selectFrom('users').select('id').where('email', '=', 'evil@x.example').execute();
		expect(count).toHaveLength(0);
	});
});

describe('tables', () => {
	it('creates a table in the default programme, expecting every category of the letter', async () => {
		const table = await admin.get(`/api/v1/tables/${tableId}`);
		expect(table.status).toBe(200);
		expect(table.body).toMatchObject({ name: 'Tavolo Montagna', territory: 'Montagna Pistoiese', role: 'coordinator' });
		const labels = table.body.categories.map((c: { labelIt: string }) => c.labelIt);
		expect(labels).toEqual(
			expect.arrayContaining([
				'Sindaci dei Comuni',
				'Dirigenti scolastici e/o Funzioni strumentali',
				'Rappresentanti Cabina di Regia',
				"Centro per l'impiego",
				'Terzo settore'
			])
		);
		expect(table.body.expectedCategoryIds).toHaveLength(table.body.categories.length);
		expect(table.body.members).toHaveLength(1);
	});

	it('lists only the tables a user belongs to, and every table for the admin', async () => {
		const outsider = new ApiClient(app.origin);
		await outsider.signUp('outsider-list@test.example');
		expect((await outsider.get('/api/v1/tables')).body.tables).toEqual([]);
		const tables = (await admin.get('/api/v1/tables')).body.tables;
		expect(tables.map((t: { id: string }) => t.id)).toContain(tableId);
	});

	it('refuses bad table input and unknown programmes, creating nothing', async () => {
		const before = (await admin.get('/api/v1/tables')).body.tables.length;
		for (const input of [
			{ name: '', territory: 'X' },
			{ name: 'X' },
			{ name: 'x'.repeat(500), territory: 'X' },
			{ name: 'X', territory: 'Y', programmeId: 'nessuno' },
			{ name: ['X'], territory: 'Y' }
		]) {
			const response = await admin.post('/api/v1/tables', input);
			expect(response.status).toBe(400);
			expect(response.body.error.code).toBe('validation_failed');
		}
		expect((await admin.get('/api/v1/tables')).body.tables.length).toBe(before);
	});

	it('answers 404 for an unknown table and 401 without a session', async () => {
		const unknown = await admin.get('/api/v1/tables/sconosciuto');
		expect(unknown.status).toBe(404);
		expect(unknown.body.error.code).toBe('not_found');
		const anonymous = await new ApiClient(app.origin).get('/api/v1/tables');
		expect(anonymous.status).toBe(401);
		expect(anonymous.body.error.message).toBe('Devi accedere per continuare.');
	});
});

describe('invitations', () => {
	it('invites, lets a newcomer accept once, and lists it as used', async () => {
		const invitation = await admin.post(`/api/v1/tables/${tableId}/invitations`, { role: 'participant' });
		expect(invitation.status).toBe(201);
		expect(invitation.body.url).toBe(`${app.origin}/invite/${invitation.body.token}`);
		expect(new Date(invitation.body.expiresAt).getTime()).toBeGreaterThan(Date.now());

		const pending = await admin.get(`/api/v1/tables/${tableId}/invitations`);
		expect(pending.body.invitations.map((i: { id: string }) => i.id)).toContain(invitation.body.id);

		const newcomer = new ApiClient(app.origin);
		await newcomer.signUp('sindaca@comune.example', 'Sindaca');
		const accepted = await newcomer.post(`/api/v1/invitations/${invitation.body.token}/accept`);
		expect(accepted.status).toBe(201);
		expect(accepted.body).toMatchObject({ tableId, role: 'participant' });
		expect((await newcomer.get('/api/v1/tables')).body.tables[0].id).toBe(tableId);

		const latecomer = new ApiClient(app.origin);
		await latecomer.signUp('ritardo@comune.example');
		const usedUp = await latecomer.post(`/api/v1/invitations/${invitation.body.token}/accept`);
		expect(usedUp.status).toBe(410);
		expect(usedUp.body.error.code).toBe('invitation_used_up');
		expect((await latecomer.get('/api/v1/tables')).body.tables).toEqual([]);
	});

	it('caps a multi-use link even when people accept at the same moment', async () => {
		const invitation = await admin.post(`/api/v1/tables/${tableId}/invitations`, { role: 'observer', maxUses: 3 });
		const clients = await Promise.all(
			Array.from({ length: 6 }, async (_, i) => {
				const client = new ApiClient(app.origin);
				await client.signUp(`multi${i}@test.example`);
				return client;
			})
		);
		const results = await Promise.all(clients.map((c) => c.post(`/api/v1/invitations/${invitation.body.token}/accept`)));
		expect(results.filter((r) => r.status === 201)).toHaveLength(3);
		expect(results.filter((r) => r.status === 410)).toHaveLength(3);
	});

	it('says clearly when a link was revoked, expired, is for another email, or does not exist', async () => {
		const guest = new ApiClient(app.origin);
		await guest.signUp('ospite@test.example');

		const revoked = await admin.post(`/api/v1/tables/${tableId}/invitations`, { role: 'participant' });
		expect((await admin.delete(`/api/v1/tables/${tableId}/invitations/${revoked.body.id}`)).status).toBe(200);
		const r1 = await guest.post(`/api/v1/invitations/${revoked.body.token}/accept`);
		expect(r1.body.error).toMatchObject({ code: 'invitation_revoked' });

		const expired = await admin.post(`/api/v1/tables/${tableId}/invitations`, { role: 'participant' });
		await app.context.db
			.updateTable('invitations')
			.set({ expires_at: new Date(Date.now() - 1000) })
			.where('id', '=', expired.body.id)
			.execute();
		const r2 = await guest.post(`/api/v1/invitations/${expired.body.token}/accept`);
		expect(r2.status).toBe(410);
		expect(r2.body.error.code).toBe('invitation_expired');
		expect(r2.body.error.message).toMatch(/scaduto/);

		const personal = await admin.post(`/api/v1/tables/${tableId}/invitations`, { role: 'moderator', email: 'moderatrice@test.example' });
		const r3 = await guest.post(`/api/v1/invitations/${personal.body.token}/accept`);
		expect(r3.status).toBe(403);
		expect(r3.body.error.code).toBe('invitation_wrong_email');

		const r4 = await guest.post('/api/v1/invitations/abcdefghijklmnop/accept');
		expect(r4.status).toBe(404);
		expect((await guest.get('/api/v1/tables')).body.tables).toEqual([]);
	});

	it('refuses bad invitation input', async () => {
		for (const input of [
			{ role: 'king' },
			{ role: 'participant', email: 'not-an-email' },
			{ role: 'participant', maxUses: 0 },
			{ role: 'participant', expiresInDays: 1000 },
			{ role: 'participant', email: 'a@b.example', maxUses: 5 }
		]) {
			const response = await admin.post(`/api/v1/tables/${tableId}/invitations`, input);
			expect(response.status, JSON.stringify(input)).toBe(400);
			expect(response.body.error.code).toBe('validation_failed');
		}
	});
});

describe('meetings and documents', () => {
	it('creates a meeting with its agenda document name and lists it', async () => {
		const meeting = await admin.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Primo incontro del tavolo',
			startsAt: '2026-12-10T15:00:00+01:00',
			endsAt: '2026-12-10T17:00:00+01:00',
			videoUrl: 'https://meet.example/tavolo'
		});
		expect(meeting.status).toBe(201);
		expect(meeting.body.agendaDoc).toBe(`agenda:${meeting.body.id}`);
		expect(meeting.body.startsAt).toBe('2026-12-10T14:00:00.000Z');
		const list = await admin.get(`/api/v1/tables/${tableId}/meetings`);
		expect(list.body.meetings.map((m: { id: string }) => m.id)).toContain(meeting.body.id);
	});

	it('refuses a meeting that ends before it starts, or with a bad date or link', async () => {
		const cases = [
			[{ title: 'X', startsAt: '2026-12-10T17:00:00+01:00', endsAt: '2026-12-10T15:00:00+01:00' }, 'endsAt'],
			[{ title: 'X', startsAt: 'domani', endsAt: '2026-12-10T15:00:00+01:00' }, 'startsAt'],
			[
				{ title: 'X', startsAt: '2026-12-10T15:00:00+01:00', endsAt: '2026-12-10T17:00:00+01:00', videoUrl: 'javascript:alert(1)' },
				'videoUrl'
			],
			[{ title: '', startsAt: '2026-12-10T15:00:00+01:00', endsAt: '2026-12-10T17:00:00+01:00' }, 'title']
		] as const;
		for (const [input, field] of cases) {
			const response = await admin.post(`/api/v1/tables/${tableId}/meetings`, input);
			expect(response.status).toBe(400);
			expect(Object.keys(response.body.error.fields)).toContain(field);
		}
	});

	it('creates and lists documents with their Yjs doc name', async () => {
		const document = await admin.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title: 'Protocollo di accoglienza' });
		expect(document.status).toBe(201);
		expect(document.body).toMatchObject({ docName: `document:${document.body.id}`, status: 'draft', kind: 'protocol' });
		const list = await admin.get(`/api/v1/tables/${tableId}/documents`);
		expect(list.body.documents.map((d: { id: string }) => d.id)).toContain(document.body.id);
		const bad = await admin.post(`/api/v1/tables/${tableId}/documents`, { kind: 'poem', title: 'X' });
		expect(bad.status).toBe(400);
		expect(bad.body.error.fields.kind).toBeDefined();
	});
});

describe('operations', () => {
	it('reports health with the database state and serves metrics', async () => {
		const health = await fetch(`${app.origin}/healthz`);
		expect(health.status).toBe(200);
		expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });
		const metrics = await scrapeMetrics(app.origin);
		expect(metrics).toMatch(/process_resident_memory_bytes/);
	});

	it('sends security headers: a CSP that forbids framing, nosniff, no referrer leaks', async () => {
		const page = await fetch(`${app.origin}/login`);
		const csp = page.headers.get('content-security-policy') ?? '';
		expect(csp).toContain("frame-ancestors 'none'");
		expect(csp).toMatch(/script-src 'self' 'nonce-/);
		expect(page.headers.get('x-content-type-options')).toBe('nosniff');
		expect(page.headers.get('x-frame-options')).toBe('DENY');
		expect(page.headers.get('referrer-policy')).toBe('same-origin');
	});

	it('refuses unauthenticated socket.io and /yjs upgrades', async () => {
		const { default: WebSocket } = await import('ws');
		const statusOf = (url: string) =>
			new Promise<number>((resolve) => {
				const ws = new WebSocket(url, { headers: { origin: app.origin } });
				ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
				ws.on('open', () => {
					ws.close();
					resolve(101);
				});
				ws.on('error', () => resolve(-1));
			});
		const base = app.origin.replace('http', 'ws');
		expect(await statusOf(`${base}/yjs/document:abc`)).toBe(401);
		expect(await statusOf(`${base}/socket.io/?EIO=4&transport=websocket`)).not.toBe(101);
	});
});

describe('agenda templates', () => {
	it("starts a table's first meeting from the letter's four points and later ones from the standard template", async () => {
		const { applyUpdate, Doc } = await import('yjs');
		const { readAgenda } = await import('../../src/lib/agenda/agenda-doc.ts');
		const fresh = (await admin.post('/api/v1/tables', { name: 'Tavolo Nuovo', territory: 'Altrove' })).body.id;
		const agendaOf = async (meetingId: string) => {
			const rows = await app.context.db.selectFrom('yjs_updates').select('update').where('doc_name', '=', `agenda:${meetingId}`).execute();
			const doc = new Doc();
			for (const row of rows) applyUpdate(doc, row.update);
			return readAgenda(doc);
		};
		const slot = { startsAt: '2027-02-01T15:00:00+01:00', endsAt: '2027-02-01T17:00:00+01:00' };
		const first = await admin.post(`/api/v1/tables/${fresh}/meetings`, { title: 'Primo', ...slot });
		const firstAgenda = await agendaOf(first.body.id);
		expect(firstAgenda).toHaveLength(4);
		expect(firstAgenda[3].title).toMatch(/^Ipotesi di programmazione degli incontri successivi/);
		const second = await admin.post(`/api/v1/tables/${fresh}/meetings`, { title: 'Secondo', ...slot });
		expect((await agendaOf(second.body.id)).map((i) => i.title)).toContain('Varie ed eventuali');
		const empty = await admin.post(`/api/v1/tables/${fresh}/meetings`, { title: 'Vuoto', template: 'empty', ...slot });
		expect(await agendaOf(empty.body.id)).toEqual([]);
	});
});
