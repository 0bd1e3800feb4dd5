import type { AddressInfo } from 'node:net';
import { ApiClient } from './app.ts';
import { connectSocket, send, type ClientSocket } from './socket-test-client.ts';
import { connectClient, createFixture, startYjsTestServer, synced, type Client, type Fixture, type YjsTestServer } from './yjs-harness.ts';
import { longDraft, writeDraft } from './long-drafts.ts';

/**
 * The scene of the diff and export tests (tests/integration/heavy-work.spec.ts) and of their
 * latency check (tests/faults/heavy-work-latency.fault.ts): a server, a table, Alice editing its
 * draft, and API clients of the admin and of Alice.
 */
export interface DraftScene {
	server: YjsTestServer;
	fixture: Fixture;
	editor: Client;
	admin: ApiClient;
	alice: ApiClient;
}

export async function setUpDraftScene(env: Record<string, string>): Promise<DraftScene> {
	const server = await startYjsTestServer(env);
	const fixture = await createFixture(server.app);
	const editor = connectClient(server, fixture.documentDoc, fixture.alice);
	await synced(editor);
	// Requests go to the node a test can look into (the pool and the per-user cap are per node;
	// with TAVOLO_TEST_NODES=2, server.app.url is a balancer between two).
	const node = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
	return {
		server,
		fixture,
		editor,
		admin: new ApiClient(node, { cookie: fixture.admin.cookie }),
		alice: new ApiClient(node, { cookie: fixture.alice.cookie })
	};
}

export async function tearDownDraftScene(scene: DraftScene | undefined): Promise<void> {
	scene?.editor.destroy();
	await scene?.server.dispose();
}

/** A live meeting with an open yes/no poll, and Bob's socket in its room. */
export interface VotingRoom {
	socket: ClientSocket;
	pollId: string;
}

/**
 * The heaviest work there is: a frozen version of 20,000 words and a current text that rewrites
 * every word; and a live meeting where Bob can vote while it runs.
 */
export async function setUpHeaviestDraft(scene: DraftScene): Promise<VotingRoom> {
	const { admin, fixture, editor } = scene;
	await writeDraft(editor, longDraft('prima', 20_000));
	await expectStatus(admin.post(`/api/v1/documents/${fixture.documentId}/versions`, { note: 'Prima stesura' }), 201);
	await writeDraft(editor, longDraft('seconda', 20_000));

	const meeting = await admin.post(`/api/v1/tables/${fixture.tableId}/meetings`, {
		title: 'Incontro',
		startsAt: '2027-01-10T15:00:00+01:00',
		endsAt: '2027-01-10T17:00:00+01:00'
	});
	await expectStatus(admin.post(`/api/v1/meetings/${meeting.body.id}/status`, { status: 'live' }), 200);
	const poll = await admin.post(`/api/v1/meetings/${meeting.body.id}/polls`, {
		question: 'Approviamo?',
		kind: 'yesno',
		options: [],
		anonymous: false,
		resultsVisible: 'live'
	});
	await expectStatus(admin.post(`/api/v1/polls/${poll.body.id}/open`), 200);
	const socket = await connectSocket(scene.server.app.url, fixture.bob.cookie);
	const joined = await send(socket, 'meeting:join', { meetingId: meeting.body.id });
	if (!joined.ok) throw new Error('Bob could not join the meeting');
	return { socket, pollId: poll.body.id };
}

/**
 * Alice asks for the diff, the PDF and the DOCX of the heaviest draft at once; meanwhile, one
 * after the other, /healthz is asked and Bob votes. Returns the three answers and how long each
 * /healthz answer and vote acknowledgement took while the work was running (ms).
 */
export async function sampleDuringHeavyWork(scene: DraftScene, room: VotingRoom) {
	const base = `/api/v1/documents/${scene.fixture.documentId}`;
	let settled = false;
	const heavy = Promise.all([
		scene.alice.get(`${base}/diff?from=1&to=current`),
		scene.alice.get(`${base}/export?format=pdf`),
		scene.alice.get(`${base}/export?format=docx`)
	]).finally(() => {
		settled = true;
	});

	const health: number[] = [];
	const votes: number[] = [];
	const refusedVotes: unknown[] = [];
	const choices = ['yes', 'no'] as const;
	while (!settled) {
		let started = performance.now();
		const response = await fetch(`${scene.server.app.url}/healthz`);
		await response.arrayBuffer();
		if (!settled) health.push(performance.now() - started);
		started = performance.now();
		const ack = await send(room.socket, 'poll:vote', { pollId: room.pollId, choice: choices[votes.length % 2] });
		if (!ack.ok) refusedVotes.push(ack);
		if (!settled) votes.push(performance.now() - started);
	}
	const [diff, pdf, docx] = await heavy;
	return { diff, pdf, docx, health, votes, refusedVotes };
}

async function expectStatus(request: Promise<{ status: number }>, status: number): Promise<void> {
	const response = await request;
	if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}`);
}
