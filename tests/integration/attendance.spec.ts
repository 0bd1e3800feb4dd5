import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { connectSocket, send, type ClientSocket } from '../support/socket-test-client.ts';
import { newId } from '../../src/lib/server/ids.ts';

/**
 * Issue 11, item 8: attendance could be padded. `meeting:join` recorded a stay for planned and
 * closed meetings (100 join/leave cycles on a closed meeting added 100 rows), and visits before
 * the start appeared in the minutes. Now a stay is recorded only while the meeting is live, and
 * the register and the minutes count only what happened between start and close.
 */
let app: TestApp;
let coordinator: ApiClient;
let tableId: string;
const people = {} as Record<'anna' | 'bruno' | 'carla', { client: ApiClient; id: string }>;
const sockets: ClientSocket[] = [];

async function socketOf(client: ApiClient): Promise<ClientSocket> {
	const socket = await connectSocket(app.origin, client.sessionCookie);
	sockets.push(socket);
	return socket;
}

async function newMeeting(title: string): Promise<string> {
	const created = await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
		title,
		startsAt: '2027-03-10T15:00:00+01:00',
		endsAt: '2027-03-10T17:00:00+01:00'
	});
	expect(created.status).toBe(201);
	return created.body.id;
}

const rowsOf = (meetingId: string) =>
	app.context.db.selectFrom('meeting_attendance').selectAll().where('meeting_id', '=', meetingId).execute();

/**
 * `cycles` joins and leaves, ten per connection (twenty commands: under the per-connection cap of
 * TAVOLO_SOCKET_COMMANDS_PER_SECOND), as a script padding the register would do.
 */
async function joinAndLeave(client: ApiClient, meetingId: string, cycles: number): Promise<void> {
	for (let done = 0; done < cycles; done += 10) {
		const socket = await socketOf(client);
		for (let i = done; i < Math.min(cycles, done + 10); i++) {
			expect((await send(socket, 'meeting:join', { meetingId })).ok).toBe(true);
			expect((await send(socket, 'meeting:leave', { meetingId })).ok).toBe(true);
		}
		socket.close();
	}
}

const setStatus = async (meetingId: string, status: 'live' | 'closed') =>
	expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status })).body.status).toBe(status);

beforeAll(async () => {
	app = await startTestApp();
	coordinator = new ApiClient(app.origin);
	await coordinator.signUp('coord@presenze.example', 'Giulia Coordinatrice');
	tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Presenze', territory: 'Val di Cornia' })).body.id;
	for (const [key, name] of [
		['anna', 'Anna Anticipo'],
		['bruno', 'Bruno Puntuale'],
		['carla', 'Carla Ritardo']
	] as const) {
		const client = new ApiClient(app.origin);
		const user = await client.signUp(`${key}@presenze.example`, name);
		await client.joinTable(coordinator, tableId, { role: 'participant' });
		people[key] = { client, id: user.id };
	}
}, 60_000);

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await app?.stop();
});

describe('the attendance register', () => {
	it('records nothing while the meeting is planned or closed, however often one joins and leaves', async () => {
		const meetingId = await newMeeting('Incontro da non gonfiare');
		await joinAndLeave(people.anna.client, meetingId, 50);
		expect(await rowsOf(meetingId)).toEqual([]);

		// Bruno waits in the room: he is present from the moment the meeting starts.
		const bruno = await socketOf(people.bruno.client);
		expect((await send(bruno, 'meeting:join', { meetingId })).ok).toBe(true);
		expect(await rowsOf(meetingId)).toEqual([]);
		await setStatus(meetingId, 'live');
		await expect.poll(async () => (await rowsOf(meetingId)).map((row) => row.user_id)).toEqual([people.bruno.id]);
		const { started_at: startedAt } = await app.context.db
			.selectFrom('meetings')
			.select('started_at')
			.where('id', '=', meetingId)
			.executeTakeFirstOrThrow();
		expect(startedAt).not.toBeNull();
		expect(new Date((await rowsOf(meetingId))[0].joined_at).getTime()).toBeGreaterThanOrEqual(new Date(startedAt!).getTime());

		// While live, each stay is one row.
		await joinAndLeave(people.anna.client, meetingId, 2);
		expect((await rowsOf(meetingId)).filter((row) => row.user_id === people.anna.id)).toHaveLength(2);

		await setStatus(meetingId, 'closed');
		const atClose = await rowsOf(meetingId);
		// Closing ends every stay, including Bruno's, who is still connected.
		expect(atClose.every((row) => row.left_at !== null)).toBe(true);
		await joinAndLeave(people.anna.client, meetingId, 100);
		await joinAndLeave(people.bruno.client, meetingId, 5);
		expect(await rowsOf(meetingId)).toHaveLength(atClose.length);
		const register = await coordinator.get(`/api/v1/meetings/${meetingId}/live/attendance`);
		expect(register.status).toBe(200);
		expect(register.body.attendance).toHaveLength(3);
	});
});

describe('a meeting started on one node', () => {
	it('records the arrival of those waiting on every node', async () => {
		// One node here; in the suites' two-node mode (TAVOLO_TEST_NODES=2) Bruno waits on each node
		// in turn while the meeting is started on the first.
		const [first] = app.nodes;
		for (const [index, node] of app.nodes.entries()) {
			const meetingId = await newMeeting(`Incontro avviato altrove ${index}`);
			// The in-process node has no ORIGIN (it accepts its own host); the other answers the balancer's.
			const socket = await connectSocket(node, people.bruno.client.sessionCookie, { origin: index === 0 ? node : app.origin });
			sockets.push(socket);
			expect((await send(socket, 'meeting:join', { meetingId })).ok).toBe(true);
			const started = await fetch(`${first}/api/v1/meetings/${meetingId}/status`, {
				method: 'POST',
				headers: { origin: first, cookie: coordinator.sessionCookie, 'content-type': 'application/json' },
				body: JSON.stringify({ status: 'live' })
			});
			expect(started.status).toBe(200);
			await expect.poll(async () => (await rowsOf(meetingId)).map((row) => row.user_id)).toEqual([people.bruno.id]);
			socket.close();
			await expect.poll(async () => (await rowsOf(meetingId))[0].left_at).not.toBeNull();
		}
	});
});

describe('the minutes', () => {
	it('count only the time between start and close, never a visit before the start', async () => {
		const meetingId = await newMeeting('Incontro con visite anticipate');
		// Anna looks into the room the day before and leaves; Bruno waits for the start.
		await joinAndLeave(people.anna.client, meetingId, 3);
		const bruno = await socketOf(people.bruno.client);
		expect((await send(bruno, 'meeting:join', { meetingId })).ok).toBe(true);
		// A visit recorded before the start by an older version of Tavolo (such rows exist).
		await app.context.db
			.insertInto('meeting_attendance')
			.values({
				id: newId(),
				meeting_id: meetingId,
				user_id: people.carla.id,
				joined_at: new Date(Date.now() - 3_600_000),
				left_at: new Date(Date.now() - 3_000_000)
			})
			.execute();

		await setStatus(meetingId, 'live');
		await expect.poll(async () => (await rowsOf(meetingId)).some((row) => row.user_id === people.bruno.id)).toBe(true);
		await setStatus(meetingId, 'closed');

		const meeting = await app.context.db.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirstOrThrow();
		const register = (await coordinator.get(`/api/v1/meetings/${meetingId}/live/attendance`)).body.attendance as Array<{
			userId: string;
			joinedAt: string;
			leftAt: string | null;
		}>;
		expect(register.map((stay) => stay.userId)).toEqual([people.bruno.id]);
		expect(new Date(register[0].joinedAt).getTime()).toBeGreaterThanOrEqual(new Date(meeting.started_at!).getTime());
		expect(register[0].leftAt).toBe(new Date(meeting.closed_at!).toISOString());

		const minutes = await coordinator.get(`/api/v1/meetings/${meetingId}/minutes`);
		expect(minutes.status).toBe(200);
		const markdown = (await coordinator.get(`/api/v1/documents/${minutes.body.documentId}/export?format=md`)).text;
		expect(markdown).toMatch(/\*\*Bruno Puntuale\*\* — dalle \d\d:\d\d fino alla chiusura/);
		expect(markdown).not.toContain('Anna Anticipo');
		expect(markdown).not.toContain('Carla Ritardo');
	});
});
