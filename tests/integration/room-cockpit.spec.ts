import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { connectSocket, record, send, type ClientSocket } from '../support/socket-test-client.ts';
import type { LiveState } from '../../src/lib/realtime/protocol.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * The moderator's cockpit over real sockets: a document of the table in focus (and only that,
 * only by those who run the meeting), the topic backlog heard live in the room, and a closed
 * meeting whose focus, timers, queue and polls no longer move, whatever a client sends.
 */
let app: TestApp;
let coordinator: ApiClient;
let moderator: ApiClient;
let participant: ApiClient;
let tableId: string;
let meetingId: string;
let documentId: string;
let otherTableDocumentId: string;
const ids = new Map<ApiClient, string>();
const sockets: ClientSocket[] = [];

async function join(client: ApiClient, meeting = meetingId): Promise<{ socket: ClientSocket; state: LiveState }> {
	const socket = await connectSocket(app.origin, client.sessionCookie);
	sockets.push(socket);
	const ack = await send(socket, 'meeting:join', { meetingId: meeting });
	if (!ack.ok) throw new Error(ack.error.code);
	return { socket, state: ack.state as LiveState };
}

beforeAll(async () => {
	app = await startTestApp();
	coordinator = new ApiClient(app.origin);
	ids.set(coordinator, (await coordinator.signUp('coord@cockpit.example', 'Giulia Coordinatrice')).id);
	tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Pianura', territory: 'Pianura' })).body.id;
	meetingId = (
		await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Primo incontro',
			startsAt: '2027-01-10T15:00:00+01:00',
			endsAt: '2027-01-10T17:00:00+01:00'
		})
	).body.id;
	for (const [role, email, name] of [
		['moderator', 'mod@cockpit.example', 'Marco Moderatore'],
		['participant', 'preside@cockpit.example', 'Paola Preside']
	] as const) {
		const client = new ApiClient(app.origin);
		ids.set(client, (await client.signUp(email, name)).id);
		await client.joinTable(coordinator, tableId, { role });
		if (role === 'moderator') moderator = client;
		else participant = client;
	}
	documentId = (await coordinator.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title: 'Protocollo scuole' })).body.id;
	const otherTable = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
	otherTableDocumentId = (await coordinator.post(`/api/v1/tables/${otherTable}/documents`, { kind: 'other', title: 'Altro tavolo' })).body
		.id;
	expect((await moderator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).status).toBe(200);
}, 60_000);

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await app?.stop();
});

describe('a document in focus', () => {
	it('is put in focus by the moderator, and every member in the room reads it', async () => {
		const mod = await join(moderator);
		const guest = await join(participant);
		expect(guest.state.focusDocument).toBeNull();
		const states = record(guest.socket, 'meeting:state');

		expect(await send(mod.socket, 'document:focus', { meetingId, documentId })).toEqual({ ok: true });
		const state = await waitUntil(() => states.find((s) => s.focusDocument), 5000, 'meeting:state with the document');
		expect(state.focusDocument).toEqual({
			id: documentId,
			title: 'Protocollo scuole',
			kind: 'protocol',
			status: 'draft',
			docName: `document:${documentId}`
		});
		// Who joins later (or reloads) is shown it at once, and so is the HTTP API.
		expect((await join(participant)).state.focusDocument?.id).toBe(documentId);
		expect((await participant.get(`/api/v1/meetings/${meetingId}/live`)).body.focusDocument.id).toBe(documentId);
	});

	it("refuses a participant's focus command, whatever the UI shows", async () => {
		const guest = await join(participant);
		expect(await send(guest.socket, 'document:focus', { meetingId, documentId: null })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
		expect((await participant.get(`/api/v1/meetings/${meetingId}/live`)).body.focusDocument.id).toBe(documentId);
	});

	it('refuses a document of another table, or one that does not exist, and keeps the focus as it was', async () => {
		const mod = await join(moderator);
		for (const other of [otherTableDocumentId, 'nessuno']) {
			expect(await send(mod.socket, 'document:focus', { meetingId, documentId: other })).toMatchObject({
				ok: false,
				error: { code: 'not_found' }
			});
		}
		expect(await send(mod.socket, 'document:focus', { meetingId, documentId: 42 } as never)).toMatchObject({
			ok: false,
			error: { code: 'validation_failed' }
		});
		expect((await participant.get(`/api/v1/meetings/${meetingId}/live`)).body.focusDocument.id).toBe(documentId);
	});

	it('leaves the centre when the moderator moves to another agenda item, or takes it away', async () => {
		const mod = await join(moderator);
		expect(await send(mod.socket, 'meeting:focus', { meetingId, itemId: 'punto-1' })).toEqual({ ok: true });
		let live = (await participant.get(`/api/v1/meetings/${meetingId}/live`)).body;
		expect(live).toMatchObject({ focusItemId: 'punto-1', focusDocument: null });
		expect(await send(mod.socket, 'document:focus', { meetingId, documentId })).toEqual({ ok: true });
		live = (await participant.get(`/api/v1/meetings/${meetingId}/live`)).body;
		// The document joins the item in focus; it does not replace it.
		expect(live).toMatchObject({ focusItemId: 'punto-1', focusDocument: { id: documentId } });
		expect(await send(mod.socket, 'document:focus', { meetingId, documentId: null })).toEqual({ ok: true });
		expect((await participant.get(`/api/v1/meetings/${meetingId}/live`)).body.focusDocument).toBeNull();
	});
});

describe('the topic backlog in the room', () => {
	it('is heard live in the rooms of the table: proposed, supported, put to a vote', async () => {
		const mod = await join(moderator);
		const heard = record(mod.socket, 'topics:changed');
		const first = await participant.post(`/api/v1/tables/${tableId}/topics`, { title: 'Mediazione linguistica a scuola' });
		expect(first.status).toBe(201);
		await waitUntil(() => heard.length >= 1, 5000, 'topics:changed after a proposal');
		expect(heard[0]).toEqual({ tableId });
		expect((await coordinator.post(`/api/v1/tables/${tableId}/topics/${first.body.id}/support`)).status).toBe(200);
		await waitUntil(() => heard.length >= 2, 5000, 'topics:changed after a support');
		const second = (await participant.post(`/api/v1/tables/${tableId}/topics`, { title: 'Trasporto scolastico' })).body.id;
		await waitUntil(() => heard.length >= 3, 5000, 'topics:changed after the second proposal');

		// Turned into a poll of this meeting, without leaving it: the room's facilitators see the draft.
		const created = record(mod.socket, 'poll:created');
		const poll = await moderator.post(`/api/v1/tables/${tableId}/topics/poll`, { meetingId, topicIds: [first.body.id, second] });
		expect(poll.status).toBe(201);
		await waitUntil(() => heard.length >= 4, 5000, 'topics:changed after the poll');
		await waitUntil(() => created.find((c) => c.poll.id === poll.body.id), 5000, 'poll:created');
		const topics = (await participant.get(`/api/v1/tables/${tableId}/topics`)).body.topics as Array<{ status: string; pollId: string }>;
		expect(topics.map((t) => [t.status, t.pollId])).toEqual([
			['polled', poll.body.id],
			['polled', poll.body.id]
		]);
		// A participant may propose and support, not put topics to the vote.
		const third = (await participant.post(`/api/v1/tables/${tableId}/topics`, { title: 'Orari dello sportello' })).body.id;
		const fourth = (await participant.post(`/api/v1/tables/${tableId}/topics`, { title: 'Corsi serali' })).body.id;
		expect((await participant.post(`/api/v1/tables/${tableId}/topics/poll`, { meetingId, topicIds: [third, fourth] })).status).toBe(403);
	});
});

describe('a closed meeting', () => {
	it('stops its timers, ends its queue, and refuses every command that would move it', async () => {
		const mod = await join(moderator);
		const guest = await join(participant);
		expect(await send(mod.socket, 'timer:start', { meetingId, itemId: 'punto-1', durationMs: 600_000 })).toEqual({ ok: true });
		expect(await send(guest.socket, 'hand:raise', { meetingId })).toEqual({ ok: true });
		expect(await send(mod.socket, 'hand:raise', { meetingId })).toEqual({ ok: true });
		expect(await send(mod.socket, 'speaker:give', { meetingId, userId: ids.get(moderator)! })).toEqual({ ok: true });
		const draft = (await moderator.post(`/api/v1/meetings/${meetingId}/polls`, { question: 'Approviamo?', kind: 'yesno' })).body.id;

		const states = record(guest.socket, 'meeting:state');
		expect(await send(mod.socket, 'meeting:status', { meetingId, status: 'closed' })).toMatchObject({ ok: true, status: 'closed' });
		const closed = await waitUntil(() => states.find((s) => s.status === 'closed'), 5000, 'meeting:state closed');
		expect(closed.speakers).toEqual([]);
		expect(closed.timers).toEqual([expect.objectContaining({ itemId: 'punto-1', runningSince: null })]);

		const refusals = [
			await send(mod.socket, 'timer:start', { meetingId, itemId: 'punto-1' }),
			await send(mod.socket, 'timer:extend', { meetingId, itemId: 'punto-1', byMs: 60_000 }),
			await send(mod.socket, 'timer:reset', { meetingId, itemId: 'punto-1' }),
			await send(mod.socket, 'meeting:focus', { meetingId, itemId: 'punto-2' }),
			await send(mod.socket, 'document:focus', { meetingId, documentId }),
			await send(mod.socket, 'speaker:give', { meetingId, userId: ids.get(participant)! }),
			await send(guest.socket, 'hand:raise', { meetingId }),
			await send(mod.socket, 'poll:open', { pollId: draft }),
			await send(mod.socket, 'poll:create', { meetingId, question: 'Ancora?', kind: 'yesno' })
		];
		for (const answer of refusals) expect(answer).toMatchObject({ ok: false, error: { code: 'meeting_closed' } });
		expect(refusals[0]).toMatchObject({ error: { message: expect.stringContaining("L'incontro è concluso") } });
		// Over HTTP too, with 409.
		const http = await moderator.post(`/api/v1/polls/${draft}/open`);
		expect(http.status).toBe(409);
		expect(http.body.error.code).toBe('meeting_closed');

		const live = (await participant.get(`/api/v1/meetings/${meetingId}/live`)).body as LiveState;
		expect(live).toMatchObject({ status: 'closed', focusItemId: 'punto-1', speakers: [] });
		expect(live.timers).toEqual([expect.objectContaining({ runningSince: null })]);
		const ownView = (await moderator.get(`/api/v1/meetings/${meetingId}/live`)).body as LiveState;
		expect(ownView.polls.find((p) => p.poll.id === draft)?.poll.status).toBe('draft');
	});
});
