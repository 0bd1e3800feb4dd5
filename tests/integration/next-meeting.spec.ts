import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { connectSocket, record, send, type ClientSocket } from '../support/socket-test-client.ts';
import { readAgenda, type AgendaItem } from '../../src/lib/agenda/agenda-doc.ts';
import type { LiveState } from '../../src/lib/realtime/protocol.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Issue 4's loop, from the letter's first meeting to the next one, over the real API and sockets:
 * start the meeting, walk the agenda with timer and speakers, a priority poll on the topic
 * backlog, a date poll, and the next meeting created from both (once), then close.
 */
let app: TestApp;
let coordinator: ApiClient;
let moderator: ApiClient;
let observer: ApiClient;
const participants: ApiClient[] = [];
const ids = new Map<ApiClient, string>();
let tableId: string;
let meetingId: string;
const sockets: ClientSocket[] = [];

async function join(client: ApiClient): Promise<{ socket: ClientSocket; state: LiveState }> {
	const socket = await connectSocket(app.origin, client.sessionCookie);
	sockets.push(socket);
	const ack = await send(socket, 'meeting:join', { meetingId });
	if (!ack.ok) throw new Error(ack.error.code);
	return { socket, state: ack.state as LiveState };
}

/** The agenda as stored: the compacted state (if any) and every update logged after it. */
async function storedAgenda(id: string): Promise<AgendaItem[]> {
	const { db } = app.context;
	const docName = `agenda:${id}`;
	const doc = new Y.Doc();
	const snapshot = await db.selectFrom('yjs_snapshots').selectAll().where('doc_name', '=', docName).executeTakeFirst();
	if (snapshot) Y.applyUpdate(doc, snapshot.state);
	const rows = await db
		.selectFrom('yjs_updates')
		.select('update')
		.where('doc_name', '=', docName)
		.where('id', '>', snapshot?.last_update_id ?? 0)
		.orderBy('id')
		.execute();
	for (const row of rows) Y.applyUpdate(doc, row.update);
	return readAgenda(doc);
}

async function createPoll(body: Record<string, unknown>): Promise<{ id: string; options: Array<{ id: string; label: string }> }> {
	const response = await moderator.post(`/api/v1/meetings/${meetingId}/polls`, body);
	expect(response.status).toBe(201);
	return response.body;
}

beforeAll(async () => {
	app = await startTestApp();
	coordinator = new ApiClient(app.origin);
	ids.set(coordinator, (await coordinator.signUp('coord@next.example', 'Giulia Coordinatrice')).id);
	tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
	meetingId = (
		await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Primo incontro del tavolo',
			startsAt: '2027-01-10T15:00:00+01:00',
			endsAt: '2027-01-10T17:00:00+01:00',
			videoUrl: 'https://meet.example/montagna'
		})
	).body.id;
	const members: Array<[string, string, string]> = [
		['moderator', 'mod@next.example', 'Marco Moderatore'],
		['participant', 'sindaca@next.example', 'Anna Sindaca'],
		['participant', 'preside@next.example', 'Paolo Preside'],
		['participant', 'servizi@next.example', 'Sara Servizi'],
		['observer', 'oss@next.example', 'Olga Osservatrice']
	];
	const clients: ApiClient[] = [];
	for (const [role, email, name] of members) {
		const client = new ApiClient(app.origin);
		ids.set(client, (await client.signUp(email, name)).id);
		await client.joinTable(coordinator, tableId, { role });
		clients.push(client);
	}
	[moderator, , , , observer] = clients;
	participants.push(...clients.slice(1, 4));
}, 60_000);

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await app?.stop();
});

describe('the first meeting, run from the letter to the next meeting', () => {
	let topicPollId = '';
	let datePollId = '';
	const topicIds: Record<string, string> = {};
	let nextMeetingId = '';

	it('starts the meeting and walks the agenda with timer and speakers', async () => {
		const mod = await join(moderator);
		const [anna] = await Promise.all(participants.map(join));
		// The letter's four points seed the first meeting's agenda.
		const agenda = await storedAgenda(meetingId);
		expect(agenda).toHaveLength(4);
		expect(agenda[0].title).toMatch(/^Condivisione e approfondimento del progetto/);

		expect((await send(mod.socket, 'meeting:status', { meetingId, status: 'live' })).ok).toBe(true);
		for (const item of agenda.slice(0, 2)) {
			expect((await send(mod.socket, 'meeting:focus', { meetingId, itemId: item.id })).ok).toBe(true);
			expect((await send(mod.socket, 'timer:start', { meetingId, itemId: item.id, durationMs: item.minutes * 60_000 })).ok).toBe(true);
		}
		expect((await send(anna.socket, 'hand:raise', { meetingId })).ok).toBe(true);
		expect((await send(mod.socket, 'speaker:give', { meetingId, userId: ids.get(participants[0])! })).ok).toBe(true);
		// Joining again answers the room's state as it is now.
		const rejoined = await send(anna.socket, 'meeting:join', { meetingId });
		if (!rejoined.ok) throw new Error(rejoined.error.code);
		const state = rejoined.state as LiveState;
		expect(state.status).toBe('live');
		expect(state.focusItemId).toBe(agenda[1].id);
		expect(state.timers.find((t) => t.itemId === agenda[1].id)?.runningSince).not.toBeNull();
		expect(state.timers.find((t) => t.itemId === agenda[0].id)?.runningSince).toBeNull();
		expect(state.speakers).toEqual([expect.objectContaining({ userId: ids.get(participants[0]), status: 'speaking' })]);
		expect((await send(mod.socket, 'speaker:end', { meetingId })).ok).toBe(true);
		expect((await send(mod.socket, 'meeting:focus', { meetingId, itemId: agenda[3].id })).ok).toBe(true);
	});

	it('turns proposed topics into a priority poll that the table votes on', async () => {
		const titles = ['Mediazione linguistica a scuola', 'Trasporto per i corsi serali', 'Sportello casa', 'Formazione degli operatori'];
		for (const [i, title] of titles.entries()) {
			const proposer = participants[i % participants.length];
			const response = await proposer.post(`/api/v1/tables/${tableId}/topics`, { title, description: `Proposta: ${title.toLowerCase()}` });
			expect(response.status).toBe(201);
			topicIds[title] = response.body.id;
		}
		const poll = await moderator.post(`/api/v1/tables/${tableId}/topics/poll`, { meetingId, topicIds: titles.map((t) => topicIds[t]) });
		expect(poll.status).toBe(201);
		topicPollId = poll.body.id;
		const option = (title: string) => (poll.body.options as Array<{ id: string; label: string }>).find((o) => o.label === title)!.id;
		expect((await moderator.post(`/api/v1/polls/${topicPollId}/open`)).status).toBe(200);
		// Borda with 4 options (3, 2, 1, 0 points): Sportello 3+3+2 = 8, Trasporto 2+1+3 = 6,
		// Mediazione 1+2+1 = 4, Formazione 0+0+0 = 0 (unranked: no winner).
		const ballots = [
			['Sportello casa', 'Trasporto per i corsi serali', 'Mediazione linguistica a scuola', 'Formazione degli operatori'],
			['Sportello casa', 'Mediazione linguistica a scuola', 'Trasporto per i corsi serali'],
			['Trasporto per i corsi serali', 'Sportello casa', 'Mediazione linguistica a scuola']
		];
		for (const [i, ranking] of ballots.entries()) {
			const vote = await participants[i].post(`/api/v1/polls/${topicPollId}/vote`, { choice: ranking.map(option) });
			expect(vote.status).toBe(200);
		}
		expect((await moderator.post(`/api/v1/polls/${topicPollId}/close`)).status).toBe(200);
		const results = (await participants[0].get(`/api/v1/polls/${topicPollId}/results`)).body;
		expect(Object.fromEntries(results.borda.map((b: { label: string; points: number }) => [b.label, b.points]))).toEqual({
			'Mediazione linguistica a scuola': 4,
			'Trasporto per i corsi serali': 6,
			'Sportello casa': 8,
			'Formazione degli operatori': 0
		});
	});

	it('refuses to create the next meeting from anything but a closed date poll with a clear winner', async () => {
		const mod = sockets[0];
		// Not a scheduling poll.
		expect(await send(mod, 'meeting:schedule', { pollId: topicPollId })).toMatchObject({
			ok: false,
			error: { code: 'poll_not_scheduling' }
		});

		const poll = await createPoll({
			question: 'Quando ci rivediamo?',
			kind: 'scheduling',
			options: ['2027-02-07T15:00:00+01:00', '2027-02-14T15:00:00+01:00', '2027-02-21T10:00:00+01:00']
		});
		datePollId = poll.id;
		const [first, second, third] = poll.options.map((o) => o.id);
		// Not closed (draft, then open).
		const draft = await moderator.post(`/api/v1/polls/${datePollId}/next-meeting`, {});
		expect(draft.status).toBe(409);
		expect(draft.body.error).toMatchObject({ code: 'poll_not_closed', message: 'La votazione non è ancora chiusa: chiudila prima.' });
		expect((await moderator.post(`/api/v1/polls/${datePollId}/open`)).status).toBe(200);
		expect((await moderator.post(`/api/v1/polls/${datePollId}/next-meeting`, {})).body.error.code).toBe('poll_not_closed');

		// Votes: the 14th and 21st tie (2 yes, 1 maybe each) at first …
		const answers = [
			{ [first]: 'no', [second]: 'yes', [third]: 'yes' },
			{ [first]: 'maybe', [second]: 'yes', [third]: 'maybe' },
			{ [first]: 'yes', [second]: 'maybe', [third]: 'yes' }
		];
		for (const [i, choice] of answers.entries()) {
			expect((await participants[i].post(`/api/v1/polls/${datePollId}/vote`, { choice })).status).toBe(200);
		}
		expect((await moderator.post(`/api/v1/polls/${datePollId}/close`)).status).toBe(200);

		// … so there is no best slot: the moderator must choose one.
		const tie = await moderator.post(`/api/v1/polls/${datePollId}/next-meeting`, {});
		expect(tie.status).toBe(409);
		expect(tie.body.error.code).toBe('poll_no_best_slot');
		// Only facilitators, on a slot of this poll, from a topic poll of this meeting.
		for (const client of [participants[0], observer]) {
			expect((await client.post(`/api/v1/polls/${datePollId}/next-meeting`, { slotId: second })).status).toBe(403);
		}
		const outsider = new ApiClient(app.origin);
		await outsider.signUp('fuori@next.example');
		expect((await outsider.post(`/api/v1/polls/${datePollId}/next-meeting`, { slotId: second })).status).toBe(403);
		expect((await moderator.post(`/api/v1/polls/${datePollId}/next-meeting`, { slotId: 'nope' })).body.error.fields).toHaveProperty(
			'slotId'
		);
		const wrongTopics = await moderator.post(`/api/v1/polls/${datePollId}/next-meeting`, { slotId: second, topicPollId: datePollId });
		expect(wrongTopics.status).toBe(400);
		expect(wrongTopics.body.error.fields).toHaveProperty('topicPollId');
		expect((await moderator.post('/api/v1/polls/missing/next-meeting', {})).status).toBe(404);
		expect(await app.context.db.selectFrom('meetings').select('id').where('table_id', '=', tableId).execute()).toHaveLength(1);
	});

	it('creates the next meeting at the chosen slot, its agenda the winning topics in Borda order; once', async () => {
		const room = await join(participants[1]);
		const states = record(room.socket, 'meeting:state');
		const slot = (await moderator.get(`/api/v1/polls/${datePollId}/results`)).body.slots[1] as { id: string; label: string };

		// The moderator (not the coordinator) creates it over the socket, as the room's button does.
		const ack = await send(sockets[0], 'meeting:schedule', { pollId: datePollId, slotId: slot.id });
		if (!ack.ok) throw new Error(ack.error.code);
		expect(ack.created).toBe(true);
		nextMeetingId = ack.meetingId;

		// Everyone in the room learns the link.
		const state = await waitUntil(
			() => states.find((s) => s.polls.some((p) => p.poll.nextMeetingId === nextMeetingId)),
			5000,
			'the link in meeting:state'
		);
		expect(state.polls.find((p) => p.poll.id === datePollId)?.poll.nextMeetingId).toBe(nextMeetingId);

		// Starts at the slot, lasts as long as this meeting (2 h), same table, same call.
		const meeting = (await participants[0].get(`/api/v1/tables/${tableId}/meetings`)).body.meetings.find(
			(m: { id: string }) => m.id === nextMeetingId
		);
		expect(meeting).toMatchObject({
			title: 'Incontro del 14 febbraio 2027',
			status: 'planned',
			videoUrl: 'https://meet.example/montagna',
			agendaDoc: `agenda:${nextMeetingId}`
		});
		expect(new Date(meeting.startsAt).toISOString()).toBe(new Date(slot.label).toISOString());
		expect(new Date(meeting.startsAt).toISOString()).toBe('2027-02-14T14:00:00.000Z');
		expect(new Date(meeting.endsAt).toISOString()).toBe('2027-02-14T16:00:00.000Z');

		// Its agenda: the winners (not the unranked one) in Borda order, 15 minutes each, then the closing item.
		const agenda = await storedAgenda(nextMeetingId);
		expect(agenda.map((i) => [i.title, i.minutes, i.status])).toEqual([
			['Sportello casa', 15, 'todo'],
			['Trasporto per i corsi serali', 15, 'todo'],
			['Mediazione linguistica a scuola', 15, 'todo'],
			['Varie ed eventuali', 10, 'todo']
		]);
		expect(agenda[0].notes).toBe('Proposta: sportello casa');

		// The winners are scheduled on it; the rest stay put to the vote.
		const topics = (await observer.get(`/api/v1/tables/${tableId}/topics`)).body.topics as Array<{
			id: string;
			status: string;
			meetingId: string | null;
		}>;
		const statusOf = (title: string) => topics.find((t) => t.id === topicIds[title]);
		for (const title of ['Sportello casa', 'Trasporto per i corsi serali', 'Mediazione linguistica a scuola']) {
			expect(statusOf(title)).toMatchObject({ status: 'scheduled', meetingId: nextMeetingId });
		}
		expect(statusOf('Formazione degli operatori')).toMatchObject({ status: 'polled', meetingId: null });

		// Idempotent: asking again (by API, by the coordinator, with another slot) returns the same meeting.
		const again = await coordinator.post(`/api/v1/polls/${datePollId}/next-meeting`, { slotId: slot.id });
		expect(again.status).toBe(200);
		expect(again.body).toMatchObject({ created: false, meeting: { id: nextMeetingId } });
		const twice = await send(sockets[0], 'meeting:schedule', { pollId: datePollId });
		expect(twice).toMatchObject({ ok: true, created: false, meetingId: nextMeetingId });
		expect(await app.context.db.selectFrom('meetings').select('id').where('table_id', '=', tableId).execute()).toHaveLength(2);
		expect(await storedAgenda(nextMeetingId)).toHaveLength(4);
		// The poll's view carries the link for whoever loads the room later.
		expect((await participants[2].get(`/api/v1/polls/${datePollId}`)).body).toMatchObject({ poll: { nextMeetingId } });
	});

	it('closes the first meeting; the next one is there on the calendar', async () => {
		expect((await send(sockets[0], 'meeting:status', { meetingId, status: 'closed' })).ok).toBe(true);
		const meetings = (await participants[0].get(`/api/v1/tables/${tableId}/meetings`)).body.meetings as Array<{
			id: string;
			status: string;
		}>;
		expect(meetings.map((m) => [m.id, m.status])).toEqual([
			[meetingId, 'closed'],
			[nextMeetingId, 'planned']
		]);
	});

	it('takes the best slot by itself when one clearly is, and the latest topic poll by default', async () => {
		// A second date poll in a meeting of another table run by the coordinator: one clear winner, no topic poll.
		const otherTable = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Pianura', territory: 'Pianura' })).body.id;
		const other = (
			await coordinator.post(`/api/v1/tables/${otherTable}/meetings`, {
				title: 'Avvio',
				startsAt: '2027-03-01T09:30:00+01:00',
				endsAt: '2027-03-01T11:00:00+01:00'
			})
		).body.id;
		const poll = (
			await coordinator.post(`/api/v1/meetings/${other}/polls`, {
				question: 'Quando?',
				kind: 'scheduling',
				options: ['2027-04-12T09:30:00+02:00', '2027-04-19T09:30:00+02:00']
			})
		).body;
		const pollId = poll.id as string;
		const slots = poll.options as Array<{ id: string }>;
		await coordinator.post(`/api/v1/polls/${pollId}/open`);
		await coordinator.post(`/api/v1/polls/${pollId}/vote`, { choice: { [slots[0].id]: 'no', [slots[1].id]: 'yes' } });
		await coordinator.post(`/api/v1/polls/${pollId}/close`);
		const created = await coordinator.post(`/api/v1/polls/${pollId}/next-meeting`, {});
		expect(created.status).toBe(201);
		expect(created.body.meeting).toMatchObject({
			title: 'Incontro del 19 aprile 2027',
			startsAt: '2027-04-19T07:30:00.000Z',
			endsAt: '2027-04-19T09:00:00.000Z'
		});
		expect((await storedAgenda(created.body.meeting.id)).map((i) => i.title)).toEqual(['Varie ed eventuali']);
	});
});
