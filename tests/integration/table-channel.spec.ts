import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { connectSocket, record, send, type ClientSocket } from '../support/socket-test-client.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Issue 12, item 8: the table channel (`table:join {tableId}`) tells a table's open pages that a
 * document changed status or got a version, that the topic backlog changed and that a meeting
 * was changed, from whichever service made the change; only members may join it, and a member
 * removed from the table stops hearing it.
 */
describe('the table channel', () => {
	let app: TestApp;
	let coordinator: ApiClient;
	let participant: ApiClient;
	let outsider: ApiClient;
	let tableId: string;
	let otherTableId: string;
	const sockets: ClientSocket[] = [];

	async function socketOf(client: ApiClient): Promise<ClientSocket> {
		const socket = await connectSocket(app.origin, client.sessionCookie);
		sockets.push(socket);
		return socket;
	}

	beforeAll(async () => {
		app = await startTestApp();
		coordinator = new ApiClient(app.origin);
		await coordinator.signUp('giulia@consorzio.example', 'Giulia Coordinatrice');
		tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Piana', territory: 'Piana' })).body.id;
		otherTableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
		participant = new ApiClient(app.origin);
		await participant.signUp('anna@comune.example', 'Anna Sindaca');
		await participant.joinTable(coordinator, tableId, { role: 'participant' });
		await participant.joinTable(coordinator, otherTableId, { role: 'participant' });
		outsider = new ApiClient(app.origin);
		await outsider.signUp('estraneo@example.org', 'Estraneo');
		await outsider.joinTable(coordinator, otherTableId, { role: 'participant' });
	}, 60_000);

	afterAll(async () => {
		for (const socket of sockets) socket.close();
		await app?.stop();
	});

	it('refuses a non-member, an unknown table and a malformed join', async () => {
		const socket = await socketOf(outsider);
		const refused = await send(socket, 'table:join', { tableId });
		expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await send(socket, 'table:join', { tableId: 'nessuno' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
		expect(await send(socket, 'table:join', { tableId: 42 } as never)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
		expect(await send(socket, 'table:join', { tableId: otherTableId })).toEqual({ ok: true });
	});

	it('tells members of document status, versions, topics and meeting changes; never a non-member', async () => {
		const member = await socketOf(participant);
		expect(await send(member, 'table:join', { tableId })).toEqual({ ok: true });
		const intruder = await socketOf(outsider);
		// Refused here, admitted to its own table: what it hears there fences what it missed here.
		expect((await send(intruder, 'table:join', { tableId })).ok).toBe(false);
		expect(await send(intruder, 'table:join', { tableId: otherTableId })).toEqual({ ok: true });
		const heard = {
			status: record(member, 'document:status'),
			versions: record(member, 'document:version'),
			topics: record(member, 'topic:changed'),
			meetings: record(member, 'meeting:updated')
		};
		const leaked = [
			...['document:status', 'document:version', 'topic:changed', 'meeting:updated'].map((event) =>
				record(intruder, event as 'topic:changed')
			)
		];

		const documentId = (
			await coordinator.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title: 'Protocollo accoglienza' })
		).body.id;
		expect((await coordinator.post(`/api/v1/documents/${documentId}/versions`, { note: 'prima lettura' })).status).toBe(201);
		await waitUntil(() => heard.versions.length === 1, 10_000, 'the version event');
		expect(heard.versions[0]).toEqual({ tableId, documentId, number: 1, final: false });

		expect((await coordinator.post(`/api/v1/documents/${documentId}/status`, { status: 'in_review' })).status).toBe(200);
		expect((await coordinator.post(`/api/v1/documents/${documentId}/status`, { status: 'final' })).status).toBe(200);
		await waitUntil(() => heard.status.length === 2, 10_000, 'two status events');
		expect(heard.status.map((e) => e.status)).toEqual(['in_review', 'final']);
		expect(heard.status[1]).toEqual({ tableId, documentId, status: 'final' });
		// Finalizing froze version 2, announced before the status so a reloading page finds it.
		expect(heard.versions.at(-1)).toEqual({ tableId, documentId, number: 2, final: true });

		const topic = await participant.post(`/api/v1/tables/${tableId}/topics`, { title: 'Trasporto scolastico', description: '' });
		expect(topic.status).toBe(201);
		await coordinator.post(`/api/v1/tables/${tableId}/topics/${topic.body.id}/support`);
		await waitUntil(() => heard.topics.length === 2, 10_000, 'two topic events');
		expect(heard.topics).toEqual([
			{ tableId, topicId: topic.body.id, change: 'proposed' },
			{ tableId, topicId: topic.body.id, change: 'supported' }
		]);

		const meetingId = (
			await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Incontro',
				startsAt: '2027-03-10T15:00:00+01:00',
				endsAt: '2027-03-10T17:00:00+01:00'
			})
		).body.id;
		await coordinator.patch(`/api/v1/meetings/${meetingId}`, { title: 'Incontro spostato' });
		await waitUntil(() => heard.meetings.length === 1, 10_000, 'the meeting event');
		expect(heard.meetings[0].meeting).toMatchObject({ id: meetingId, tableId, title: 'Incontro spostato', status: 'planned' });

		// The fence: an event of the intruder's own table, sent after all of the above.
		const fence = record(intruder, 'topic:changed');
		await outsider.post(`/api/v1/tables/${otherTableId}/topics`, { title: 'Recinto', description: '' });
		await waitUntil(() => fence.length === 1, 10_000, 'the fence event');
		expect(fence[0].tableId).toBe(otherTableId);
		expect(leaked.flat().filter((event) => (event as { tableId?: string; meeting?: { tableId: string } }).tableId === tableId)).toEqual([]);
		expect(leaked.flat().filter((event) => (event as { meeting?: { tableId: string } }).meeting?.tableId === tableId)).toEqual([]);
	});

	it('stops telling a member removed from the table', async () => {
		const removed = new ApiClient(app.origin);
		const user = await removed.signUp('rimosso@comune.example', 'Rino Rimosso');
		await removed.joinTable(coordinator, tableId, { role: 'participant' });
		await removed.joinTable(coordinator, otherTableId, { role: 'participant' });
		const socket = await socketOf(removed);
		expect(await send(socket, 'table:join', { tableId })).toEqual({ ok: true });
		expect(await send(socket, 'table:join', { tableId: otherTableId })).toEqual({ ok: true });
		const topics = record(socket, 'topic:changed');
		await coordinator.post(`/api/v1/tables/${tableId}/topics`, { title: 'Prima della rimozione', description: '' });
		await waitUntil(() => topics.length === 1, 10_000, 'the event before the removal');

		const members = (await coordinator.get(`/api/v1/tables/${tableId}`)).body.members as { userId: string; membershipId: string }[];
		const membership = members.find((m) => m.userId === user.id)!;
		expect((await coordinator.delete(`/api/v1/tables/${tableId}/members/${membership.membershipId}`)).status).toBe(200);
		await coordinator.post(`/api/v1/tables/${tableId}/topics`, { title: 'Dopo la rimozione', description: '' });
		await coordinator.post(`/api/v1/tables/${otherTableId}/topics`, { title: 'Recinto', description: '' });
		await waitUntil(() => topics.some((t) => t.tableId === otherTableId), 10_000, 'the fence event');
		expect(topics.filter((t) => t.tableId === tableId)).toHaveLength(1);
		// And it cannot come back in.
		expect(await send(socket, 'table:join', { tableId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
	});
});
