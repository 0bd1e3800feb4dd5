import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient } from '../support/app.ts';
import {
	connectClient,
	createFixture,
	startYjsTestServer,
	synced,
	syncRoundTrip,
	type Fixture,
	type YjsTestServer
} from '../support/yjs-harness.ts';
import { ackRoundTrip, connectSocket } from '../support/socket-test-client.ts';
import { verifyPassword } from '../../src/lib/server/auth/password.ts';
import { waitUntil } from '../support/wait-until.ts';

/** POST /api/v1/auth/password: the other sessions of the user end, live connections included. */
let server: YjsTestServer;
let fixture: Fixture;

beforeAll(async () => {
	server = await startYjsTestServer();
	fixture = await createFixture(server.app);
});
afterAll(() => server?.dispose());

/** A client signed in through the API, i.e. a session of its own. */
async function signIn(email: string, password: string): Promise<ApiClient> {
	const client = new ApiClient(server.app.url);
	const response = await client.post('/api/v1/auth/login', { email, password });
	if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
	return client;
}

it("changes nothing on a wrong current password; on the right one ends the user's other sessions and their live connections", async () => {
	const email = fixture.alice.user.email;
	// `fixture.alice.cookie` is the "other device": a session with a document open and the live room.
	const otherYjs = connectClient(server, fixture.documentDoc, fixture.alice);
	const otherSocket = await connectSocket(server.app.url, fixture.alice.cookie);
	const here = await signIn(email, 'password-lunga-1');
	const hereYjs = connectClient(server, fixture.documentDoc, { user: fixture.alice.user, cookie: here.sessionCookie });
	const bobYjs = connectClient(server, fixture.documentDoc, fixture.bob);
	await Promise.all([synced(otherYjs), synced(hereYjs), synced(bobYjs)]);

	const wrong = await here.post('/api/v1/auth/password', { currentPassword: 'non-e-lei-123', newPassword: 'password-nuova-1' });
	expect(wrong.status).toBe(403);
	expect(wrong.body.error).toMatchObject({ code: 'wrong_password', fields: { currentPassword: expect.any(String) } });
	expect(wrong.body.error.message).toBe('La password attuale non è corretta.');
	const short = await here.post('/api/v1/auth/password', { currentPassword: 'password-lunga-1', newPassword: 'corta' });
	expect(short.status).toBe(400);
	expect(short.body.error).toMatchObject({ code: 'validation_failed', fields: { newPassword: expect.any(String) } });
	// Both live connections of the other device still answer: nothing closed them meanwhile.
	await syncRoundTrip(otherYjs);
	await ackRoundTrip(otherSocket);
	expect(otherYjs.closes).toEqual([]);
	expect(otherSocket.connected).toBe(true);
	const otherDevice = new ApiClient(server.app.url, { cookie: fixture.alice.cookie });
	expect((await otherDevice.get('/api/v1/me')).status).toBe(200);
	expect((await new ApiClient(server.app.url).post('/api/v1/auth/login', { email, password: 'password-nuova-1' })).status).toBe(401);

	const changed = await here.post('/api/v1/auth/password', { currentPassword: 'password-lunga-1', newPassword: 'password-nuova-1' });
	expect(changed.status).toBe(200);
	expect(changed.body.ok).toBe(true);
	// The other device's session and the one the check above opened with the old password.
	expect(changed.body.endedSessions).toBeGreaterThanOrEqual(1);

	await waitUntil(() => otherYjs.closes.some((c) => c.code === 4401), 5000, "the other session's /yjs connection closed with 4401");
	await waitUntil(() => !otherSocket.connected, 5000, "the other session's socket.io connection closed");
	expect((await otherDevice.get('/api/v1/me')).status).toBe(401);
	await expect(connectSocket(server.app.url, fixture.alice.cookie)).rejects.toThrow();

	// This session, its live document and another member are untouched.
	expect((await here.get('/api/v1/me')).body.user.email).toBe(email);
	bobYjs.doc.getText('t').insert(0, 'ancora qui');
	await syncRoundTrip(hereYjs);
	await syncRoundTrip(bobYjs);
	expect(hereYjs.provider.wsconnected).toBe(true);
	expect(hereYjs.closes).toEqual([]);
	expect(bobYjs.provider.wsconnected).toBe(true);
	expect(otherYjs.provider.wsconnected).toBe(false);

	const fresh = new ApiClient(server.app.url);
	expect((await fresh.post('/api/v1/auth/login', { email, password: 'password-lunga-1' })).status).toBe(401);
	expect((await fresh.post('/api/v1/auth/login', { email, password: 'password-nuova-1' })).status).toBe(200);
	for (const client of [otherYjs, hereYjs, bobYjs]) client.destroy();
	otherSocket.close();
});

it('refuses a signed-out caller and a request from another origin', async () => {
	const anonymous = new ApiClient(server.app.url);
	const refused = await anonymous.post('/api/v1/auth/password', { currentPassword: 'x', newPassword: 'password-nuova-1' });
	expect(refused.status).toBe(401);
	expect(refused.body.error.code).toBe('unauthorized');
	const bob = await signIn(fixture.bob.user.email, 'password-lunga-1');
	const crossSite = await bob.request(
		'POST',
		'/api/v1/auth/password',
		{ currentPassword: 'password-lunga-1', newPassword: 'password-nuova-1' },
		{ origin: 'https://evil.example' }
	);
	expect(crossSite.status).toBe(403);
	expect(crossSite.body.error.code).toBe('bad_origin');
	expect(
		(await new ApiClient(server.app.url).post('/api/v1/auth/login', { email: fixture.bob.user.email, password: 'password-lunga-1' })).status
	).toBe(200);
});

it('caps wrong current passwords per account like logins, even when the right one follows', async () => {
	const olga = await signIn(fixture.olga.user.email, 'password-lunga-1');
	// TAVOLO_LOGIN_MAX_PER_ACCOUNT is 5 by default; the sign-in above was reset by its success.
	for (let i = 0; i < 5; i++) {
		expect((await olga.post('/api/v1/auth/password', { currentPassword: `sbagliata-${i}`, newPassword: 'password-nuova-1' })).status).toBe(
			403
		);
	}
	const blocked = await olga.post('/api/v1/auth/password', { currentPassword: 'password-lunga-1', newPassword: 'password-nuova-1' });
	expect(blocked.status).toBe(429);
	expect(blocked.body.error.code).toBe('rate_limited');
	expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
	// The password did not change (logins are blocked for this account too, so ask the database).
	const row = await server.app.context.db
		.selectFrom('users')
		.select('password_hash')
		.where('id', '=', fixture.olga.user.id)
		.executeTakeFirstOrThrow();
	expect(await verifyPassword(row.password_hash, 'password-lunga-1')).toBe(true);
	expect((await olga.get('/api/v1/me')).status).toBe(200);
});
