import { afterAll, beforeAll, expect, it } from 'vitest';
import {
	connectClient,
	createFixture,
	startYjsTestServer,
	synced,
	syncRoundTrip,
	type Fixture,
	type YjsTestServer
} from '../support/yjs-harness.ts';
import { connectSocket } from '../support/socket-test-client.ts';
import { waitUntil } from '../support/wait-until.ts';

let server: YjsTestServer;
let fixture: Fixture;

beforeAll(async () => {
	server = await startYjsTestServer();
	fixture = await createFixture(server.app);
});
afterAll(() => server?.dispose());

it("closes a session's live document and socket.io connections at logout, and only that session's", async () => {
	const origin = server.app.url;
	const alice = connectClient(server, fixture.documentDoc, fixture.alice);
	const bob = connectClient(server, fixture.documentDoc, fixture.bob);
	const socket = await connectSocket(origin, fixture.alice.cookie);
	await Promise.all([synced(alice), synced(bob)]);
	expect(socket.connected).toBe(true);

	const logout = await fetch(`${origin}/api/v1/auth/logout`, { method: 'POST', headers: { cookie: fixture.alice.cookie, origin } });
	expect(logout.status).toBe(200);

	await waitUntil(() => alice.closes.some((c) => c.code === 4401), 5000, 'the /yjs connection closed with 4401');
	await waitUntil(() => !socket.connected, 5000, 'the socket.io connection closed');
	// The provider does not come back on 44xx (it decided so when the close arrived: no retry is
	// scheduled), and the other member goes on editing on a connection the server still answers.
	bob.doc.getText('t').insert(0, 'ancora qui');
	await syncRoundTrip(bob);
	expect(alice.provider.shouldConnect).toBe(false);
	expect(alice.provider.wsconnected).toBe(false);
	expect(bob.provider.wsconnected).toBe(true);
	alice.destroy();
	bob.destroy();
	socket.close();
});
