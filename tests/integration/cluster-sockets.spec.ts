import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/lib/server/ids.ts';
import { record, send, type ClientSocket } from '../support/socket-test-client.ts';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * socket.io with REDIS_URL: the redis-streams adapter with connection state recovery. A member
 * whose connection drops for a moment comes back to the same rooms with the events sent meanwhile,
 * and the attendance register shows the gap.
 */
describe('meeting room sockets with REDIS_URL', () => {
	let app: TestApp;
	let moderator: ApiClient;
	let member: ApiClient;
	let tableId: string;
	let meetingId: string;
	const sockets: ClientSocket[] = [];

	beforeAll(async () => {
		app = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:6379', TAVOLO_REDIS_PREFIX: `tavolo-test-${newId(8)}` });
		moderator = new ApiClient(app.origin);
		await moderator.signUp('coord@recupero.example', 'Carla Coordinatrice');
		tableId = (await moderator.post('/api/v1/tables', { name: 'Tavolo Costa', territory: 'Costa' })).body.id;
		meetingId = (
			await moderator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Incontro',
				startsAt: '2027-02-10T15:00:00+01:00',
				endsAt: '2027-02-10T17:00:00+01:00'
			})
		).body.id;
		member = new ApiClient(app.origin);
		await member.signUp('sindaco@recupero.example', 'Sandro Sindaco');
		await member.joinTable(moderator, tableId, { role: 'participant' });
		// Attendance is recorded only while a meeting is live.
		expect((await moderator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).status).toBe(200);
	}, 60_000);

	afterAll(async () => {
		for (const socket of sockets) socket.close();
		await app?.stop();
	});

	/** As the browser opens it: reconnecting by itself. */
	async function open(client: ApiClient): Promise<ClientSocket> {
		const socket: ClientSocket = io(app.origin, {
			path: '/socket.io',
			transports: ['websocket'],
			extraHeaders: { cookie: client.sessionCookie, origin: app.origin },
			reconnectionDelay: 50,
			reconnectionDelayMax: 200,
			forceNew: true
		});
		sockets.push(socket);
		await new Promise<void>((resolve, reject) => {
			socket.once('connect', () => resolve());
			socket.once('connect_error', reject);
		});
		return socket;
	}

	it('recovers a dropped connection with the events it missed, and records the gap in the register', async () => {
		const mod = await open(moderator);
		const sandro = await open(member);
		expect((await send(mod, 'meeting:join', { meetingId })).ok).toBe(true);
		const presence = record(sandro, 'presence:joined');
		expect((await send(sandro, 'meeting:join', { meetingId })).ok).toBe(true);
		// Recovery needs the offset of a packet received: the room's delta for Sandro's arrival is one.
		await waitUntil(() => presence.length > 0, 10_000, 'a presence delta');
		const states = record(sandro, 'meeting:state');

		// The drop, and the reconnection only once the server has handled it: socket.io saves the
		// session to Redis when it sees the close, and a client back before that save is a new
		// session (the browser waits a second or more before retrying; 50 ms here lost the race
		// now and then). The moderator hearing Sandro leave means the save was sent before it, on
		// the same Redis connection.
		const sandroId = (await member.get('/api/v1/me')).body.user.id as string;
		const modPresence = record(mod, 'presence:left');
		sandro.io.reconnection(false);
		sandro.io.engine.close();
		await waitUntil(() => !sandro.connected, 10_000, 'the drop');
		await waitUntil(() => modPresence.some((delta) => delta.userId === sandroId), 10_000, 'the moderator to see Sandro leave');
		expect((await send(mod, 'meeting:focus', { meetingId, itemId: 'punto-mancato' })).ok).toBe(true);
		const reconnected = new Promise<void>((resolve) => sandro.once('connect', () => resolve()));
		sandro.io.reconnection(true);
		sandro.connect();
		await reconnected;

		expect(sandro.recovered).toBe(true);
		await waitUntil(() => states.some((state) => state.focusItemId === 'punto-mancato'), 10_000, 'the missed focus change');
		// Still in the room without joining again: the next broadcast arrives too.
		expect((await send(mod, 'meeting:focus', { meetingId, itemId: 'punto-dopo' })).ok).toBe(true);
		await waitUntil(() => states.some((state) => state.focusItemId === 'punto-dopo'), 10_000, 'the next focus change');

		// The drop closed Sandro's stay and the recovery opened a new one, after it.
		const stays = async () => {
			const register = await moderator.get(`/api/v1/meetings/${meetingId}/live/attendance`);
			expect(register.status).toBe(200);
			return (register.body.attendance as Array<{ userId: string; joinedAt: string; leftAt: string | null }>).filter(
				(row) => row.userId === sandroId
			);
		};
		const rows = await waitUntil(
			async () => {
				const found = await stays();
				return found.length >= 2 && found;
			},
			10_000,
			'both stays in the register'
		);
		expect(rows).toHaveLength(2);
		expect(rows[0].leftAt).not.toBeNull();
		expect(rows[1].leftAt).toBeNull();
		expect(Date.parse(rows[1].joinedAt)).toBeGreaterThanOrEqual(Date.parse(rows[0].leftAt!));
	});

	it('gives a recovered socket the state as it is now, even a change whose broadcast it never saw', async () => {
		// A meeting of its own: the first test's sockets are still in the other one's room.
		const meetingId = (
			await moderator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Secondo incontro',
				startsAt: '2027-02-11T15:00:00+01:00',
				endsAt: '2027-02-11T17:00:00+01:00'
			})
		).body.id as string;
		expect((await moderator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).status).toBe(200);
		const sandro = await open(member);
		expect((await send(sandro, 'meeting:join', { meetingId })).ok).toBe(true);
		const mod = await open(moderator);
		const sandroId = (await member.get('/api/v1/me')).body.user.id as string;
		const modPresence = record(mod, 'presence:left');
		expect((await send(mod, 'meeting:join', { meetingId })).ok).toBe(true);
		// Recovery needs the offset of a packet received: a broadcast state is one.
		const states = record(sandro, 'meeting:state');
		expect((await send(mod, 'meeting:focus', { meetingId, itemId: 'punto-prima' })).ok).toBe(true);
		await waitUntil(() => states.some((state) => state.focusItemId === 'punto-prima'), 10_000, 'the first focus change');

		sandro.io.reconnection(false);
		sandro.io.engine.close();
		await waitUntil(() => modPresence.some((delta) => delta.userId === sandroId), 10_000, 'the moderator to see Sandro leave');
		// What socket.io's recovery can lose: a broadcast whose local delivery ran before the
		// restored socket was back in the room. Here the change is never broadcast at all.
		await app.context.db
			.updateTable('meeting_live')
			.set({ focus_item_id: 'punto-silenzioso' })
			.where('meeting_id', '=', meetingId)
			.execute();
		const reconnected = new Promise<void>((resolve) => sandro.once('connect', () => resolve()));
		sandro.io.reconnection(true);
		sandro.connect();
		await reconnected;

		expect(sandro.recovered).toBe(true);
		await waitUntil(() => states.some((state) => state.focusItemId === 'punto-silenzioso'), 10_000, 'the state as it is now');
	});
});
