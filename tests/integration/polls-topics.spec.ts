import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';

/** The topic backlog of a table, and the moderator's one action that turns topics into a poll. */
let app: TestApp;
let coordinator: ApiClient;
let participant: ApiClient;
let observer: ApiClient;
let tableId: string;
let meetingId: string;

beforeAll(async () => {
	app = await startTestApp();
	coordinator = new ApiClient(app.origin);
	await coordinator.signUp('coord@topics.example');
	tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Piana', territory: 'Piana' })).body.id;
	meetingId = (
		await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Incontro',
			startsAt: '2027-01-10T15:00:00+01:00',
			endsAt: '2027-01-10T17:00:00+01:00'
		})
	).body.id;
	participant = new ApiClient(app.origin);
	observer = new ApiClient(app.origin);
	for (const [client, role, email] of [
		[participant, 'participant', 'p@topics.example'],
		[observer, 'observer', 'o@topics.example']
	] as const) {
		await client.signUp(email);
		await client.joinTable(coordinator, tableId, { role });
	}
});

afterAll(async () => {
	await app?.stop();
});

describe('topic backlog', () => {
	it('lets members propose, support once and comment; observers only read', async () => {
		const a = await participant.post(`/api/v1/tables/${tableId}/topics`, {
			title: 'Mediazione linguistica a scuola',
			description: 'Nelle scuole della piana'
		});
		expect(a.status).toBe(201);
		const b = await coordinator.post(`/api/v1/tables/${tableId}/topics`, { title: 'Trasporto per i corsi serali' });
		const c = await coordinator.post(`/api/v1/tables/${tableId}/topics`, { title: 'Sportello casa' });
		expect((await observer.post(`/api/v1/tables/${tableId}/topics`, { title: 'No' })).status).toBe(403);
		expect((await participant.post(`/api/v1/tables/${tableId}/topics`, { title: '' })).status).toBe(400);

		await participant.post(`/api/v1/tables/${tableId}/topics/${b.body.id}/support`);
		const twice = await participant.post(`/api/v1/tables/${tableId}/topics/${b.body.id}/support`);
		expect(twice.body.supporters).toBe(1);
		await coordinator.post(`/api/v1/tables/${tableId}/topics/${b.body.id}/support`);
		expect((await observer.post(`/api/v1/tables/${tableId}/topics/${b.body.id}/support`)).status).toBe(403);
		expect(
			(await participant.post(`/api/v1/tables/${tableId}/topics/${a.body.id}/comments`, { body: 'Utile anche per le famiglie' })).status
		).toBe(201);

		const list = (await observer.get(`/api/v1/tables/${tableId}/topics`)).body.topics;
		expect(list.map((t: { id: string }) => t.id)).toEqual([b.body.id, a.body.id, c.body.id]);
		expect(list[0]).toMatchObject({ supporters: 2, supportedByMe: false, status: 'open' });
		expect(list[1]).toMatchObject({ comments: 1 });
		const comments = (await observer.get(`/api/v1/tables/${tableId}/topics/${a.body.id}/comments`)).body.comments;
		expect(comments).toEqual([expect.objectContaining({ body: 'Utile anche per le famiglie', authorName: 'p' })]);

		const withdrawn = await participant.delete(`/api/v1/tables/${tableId}/topics/${b.body.id}/support`);
		expect(withdrawn.body.supporters).toBe(1);
	});

	it('turns selected topics into a ranked poll in one action (moderators and coordinators only)', async () => {
		const topics = (await coordinator.get(`/api/v1/tables/${tableId}/topics`)).body.topics as { id: string; title: string }[];
		const chosen = topics.slice(0, 3).map((t) => t.id);
		expect((await participant.post(`/api/v1/tables/${tableId}/topics/poll`, { meetingId, topicIds: chosen })).status).toBe(403);
		const poll = await coordinator.post(`/api/v1/tables/${tableId}/topics/poll`, { meetingId, topicIds: chosen });
		expect(poll.status).toBe(201);
		expect(poll.body).toMatchObject({ kind: 'ranked', status: 'draft', meetingId });
		expect(poll.body.options.map((o: { label: string }) => o.label)).toEqual(topics.slice(0, 3).map((t) => t.title));
		const after = (await coordinator.get(`/api/v1/tables/${tableId}/topics`)).body.topics as { status: string; pollId: string }[];
		expect(after.every((t) => t.status === 'polled' && t.pollId === poll.body.id)).toBe(true);
		// Topics already put to the vote cannot be chosen again.
		const again = await coordinator.post(`/api/v1/tables/${tableId}/topics/poll`, { meetingId, topicIds: chosen });
		expect(again.status).toBe(400);
	});
});
