import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { connectSocket, record, send, type ClientSocket } from '../support/socket-test-client.ts';
import type { LiveState } from '../../src/lib/realtime/protocol.ts';
import { waitUntil } from '../support/wait-until.ts';
import { watchPresence } from '../support/presence-watch.ts';

/** The live meeting room over real sockets: join authorisation, presence, state, reconnects. */
let app: TestApp;
let coordinator: ApiClient;
let moderator: ApiClient;
let participant: ApiClient;
let observer: ApiClient;
let outsider: ApiClient;
const ids = new Map<ApiClient, string>();
let meetingId: string;
let liveMeetingId: string;
const sockets: ClientSocket[] = [];

async function socketOf(client: ApiClient): Promise<ClientSocket> {
	const socket = await connectSocket(app.origin, client.sessionCookie);
	sockets.push(socket);
	return socket;
}

async function join(client: ApiClient, meeting = meetingId): Promise<{ socket: ClientSocket; state: LiveState }> {
	const socket = await socketOf(client);
	const ack = await send(socket, 'meeting:join', { meetingId: meeting });
	if (!ack.ok) throw new Error(ack.error.code);
	return { socket, state: ack.state as LiveState };
}

beforeAll(async () => {
	app = await startTestApp();
	coordinator = new ApiClient(app.origin);
	ids.set(coordinator, (await coordinator.signUp('coord@live.example', 'Giulia Coordinatrice')).id);
	const tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
	meetingId = (
		await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Incontro di avvio',
			startsAt: '2027-01-10T15:00:00+01:00',
			endsAt: '2027-01-10T17:00:00+01:00'
		})
	).body.id;
	const members: Array<[string, string, string]> = [
		['moderator', 'mod@live.example', 'Marco Moderatore'],
		['participant', 'sindaca@live.example', 'Anna Sindaca'],
		['observer', 'oss@live.example', 'Olga Osservatrice']
	];
	const clients: ApiClient[] = [];
	for (const [role, email, name] of members) {
		const client = new ApiClient(app.origin);
		ids.set(client, (await client.signUp(email, name)).id);
		await client.joinTable(coordinator, tableId, { role });
		clients.push(client);
	}
	[moderator, participant, observer] = clients;
	outsider = new ApiClient(app.origin);
	await outsider.signUp('fuori@live.example');
	// A second meeting, live from the start: attendance is recorded only while a meeting is live.
	liveMeetingId = (
		await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Incontro in corso',
			startsAt: '2027-01-11T15:00:00+01:00',
			endsAt: '2027-01-11T17:00:00+01:00'
		})
	).body.id;
	expect((await coordinator.post(`/api/v1/meetings/${liveMeetingId}/status`, { status: 'live' })).status).toBe(200);
}, 60_000);

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await app?.stop();
});

describe('joining a meeting room', () => {
	it('refuses non-members and unknown meetings, and sockets without a session or from another site', async () => {
		const socket = await socketOf(outsider);
		expect(await send(socket, 'meeting:join', { meetingId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await send(socket, 'meeting:join', { meetingId: 'nessuno' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
		await expect(connectSocket(app.origin, '')).rejects.toThrow();
		await expect(connectSocket(app.origin, participant.sessionCookie, { origin: 'https://evil.example' })).rejects.toThrow();
	});

	it('shows who is present, with role, and keeps an attendance register', async () => {
		const mod = await join(moderator, liveMeetingId);
		const presence = watchPresence(mod.socket, liveMeetingId, { ...mod.state, version: mod.state.presenceVersion });
		const guest = await join(participant, liveMeetingId);
		expect(guest.state.present.map((p) => p.name)).toEqual(expect.arrayContaining(['Anna Sindaca', 'Marco Moderatore']));
		await waitUntil(() => presence.present.some((p) => p.userId === ids.get(participant)), 5000, 'presence with the participant');
		expect(presence.present.find((p) => p.userId === ids.get(participant))).toMatchObject({
			role: 'participant',
			name: 'Anna Sindaca'
		});

		guest.socket.close();
		await waitUntil(() => !presence.present.some((p) => p.userId === ids.get(participant)), 5000, 'presence without the participant');
		// The departure is written just after the socket leaves the room.
		const attendance = await waitUntil(
			async () => {
				const rows: Array<{ userId: string; leftAt: string | null }> = (
					await coordinator.get(`/api/v1/meetings/${liveMeetingId}/live/attendance`)
				).body.attendance;
				return rows.some((a) => a.userId === ids.get(participant) && a.leftAt) && rows;
			},
			5000,
			'the departure in the attendance register'
		);
		const stay = attendance.find((a) => a.userId === ids.get(participant))!;
		expect(stay).toMatchObject({ name: 'Anna Sindaca', role: 'participant' });
		expect(new Date(stay.leftAt!).getTime()).toBeGreaterThanOrEqual(new Date((stay as unknown as { joinedAt: string }).joinedAt).getTime());
		expect((await outsider.get(`/api/v1/meetings/${liveMeetingId}/live/attendance`)).status).toBe(403);
	});
});

describe('live state', () => {
	it('moves planned → live → closed only forward, by facilitators', async () => {
		const denied = await participant.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' });
		expect(denied.status).toBe(403);
		const skip = await moderator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'closed' });
		expect(skip.status).toBe(409);
		expect(skip.body.error.code).toBe('meeting_invalid_transition');
		const { socket } = await join(moderator);
		expect(await send(socket, 'meeting:status', { meetingId, status: 'live' })).toMatchObject({ ok: true, status: 'live' });
		expect((await coordinator.get(`/api/v1/meetings/${meetingId}/live`)).body.status).toBe('live');
	});

	it('broadcasts focus, timer and speaker changes, and a reconnecting client gets it all from meeting:join', async () => {
		const mod = await join(moderator);
		const member = await join(participant);
		const watcher = await join(observer);
		const states = record(watcher.socket, 'meeting:state');

		expect(await send(member.socket, 'meeting:focus', { meetingId, itemId: 'punto1' })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
		expect((await send(mod.socket, 'meeting:focus', { meetingId, itemId: 'punto2' })).ok).toBe(true);
		expect((await send(mod.socket, 'timer:start', { meetingId, itemId: 'punto2', durationMs: 600_000 })).ok).toBe(true);
		expect((await send(mod.socket, 'timer:extend', { meetingId, itemId: 'punto2', byMs: 120_000 })).ok).toBe(true);
		expect((await send(member.socket, 'hand:raise', { meetingId })).ok).toBe(true);
		expect((await send(member.socket, 'hand:raise', { meetingId })).ok).toBe(true);
		expect((await send(watcher.socket, 'hand:raise', { meetingId })).error.code).toBe('forbidden');
		expect((await send(mod.socket, 'hand:raise', { meetingId })).ok).toBe(true);
		// The moderator puts the participant's request last, then first again.
		const participantId = ids.get(participant)!;
		const moderatorId = ids.get(moderator)!;
		expect((await send(mod.socket, 'speaker:reorder', { meetingId, userIds: [moderatorId, participantId] })).ok).toBe(true);
		let state = (await coordinator.get(`/api/v1/meetings/${meetingId}/live`)).body as LiveState;
		expect(state.speakers.map((s) => s.userId)).toEqual([moderatorId, participantId]);
		expect((await send(mod.socket, 'speaker:give', { meetingId, userId: participantId })).ok).toBe(true);

		const poll = await moderator.post(`/api/v1/meetings/${meetingId}/polls`, {
			question: 'Va bene la bozza?',
			kind: 'yesno',
			options: [],
			anonymous: false,
			resultsVisible: 'live'
		});
		await moderator.post(`/api/v1/polls/${poll.body.id}/open`);
		expect((await send(member.socket, 'poll:vote', { pollId: poll.body.id, choice: 'yes' })).ok).toBe(true);

		const last = await waitUntil(
			() => {
				const s = states.at(-1);
				return s?.speakers[0]?.status === 'speaking' && s;
			},
			5000,
			'meeting:state with the speaker'
		);
		expect(last).toMatchObject({ status: 'live', focusItemId: 'punto2' });
		expect(last.timers).toEqual([expect.objectContaining({ itemId: 'punto2', durationMs: 720_000, runningSince: expect.any(String) })]);

		// The participant's connection drops; a new one gets the current state in the join ack.
		member.socket.disconnect();
		const again = await join(participant);
		state = again.state;
		expect(state.focusItemId).toBe('punto2');
		expect(state.timers[0]).toMatchObject({ itemId: 'punto2', durationMs: 720_000 });
		expect(state.speakers.map((s) => [s.userId, s.status])).toEqual([
			[participantId, 'speaking'],
			[moderatorId, 'waiting']
		]);
		const snapshot = state.polls.find((p) => p.poll.id === poll.body.id)!;
		expect(snapshot.poll.status).toBe('open');
		expect(snapshot.results?.results.map((r) => r.count)).toEqual([1, 0, 0]);
		expect(snapshot.results?.outcome).toMatchObject({ passed: true });
		expect(new Date(state.serverTime).getTime()).toBeGreaterThan(0);

		// Pause keeps the elapsed time on the server's clock; ending the turn records speaking time.
		// The timer runs at least 50 ms more before the pause (a slower machine only adds to it).
		await new Promise((r) => setTimeout(r, 50));
		expect((await send(mod.socket, 'timer:pause', { meetingId, itemId: 'punto2' })).ok).toBe(true);
		expect((await send(mod.socket, 'speaker:end', { meetingId })).ok).toBe(true);
		state = (await coordinator.get(`/api/v1/meetings/${meetingId}/live`)).body;
		expect(state.timers[0].runningSince).toBeNull();
		expect(state.timers[0].elapsedMs).toBeGreaterThanOrEqual(40);
		expect(state.speakers.map((s) => s.userId)).toEqual([moderatorId]);
		expect((await send(mod.socket, 'hand:lower', { meetingId, userId: moderatorId })).ok).toBe(true);
		expect((await coordinator.get(`/api/v1/meetings/${meetingId}/live`)).body.speakers).toEqual([]);

		// Closing the meeting closes its open poll, and the room hears both.
		const closedPolls = record(watcher.socket, 'poll:closed');
		expect((await moderator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'closed' })).body.status).toBe('closed');
		await waitUntil(() => closedPolls.find((c) => c.poll.id === poll.body.id), 5000, 'poll:closed');
		await waitUntil(() => states.at(-1)?.status === 'closed', 5000, 'meeting:state closed');
		const reopen = await moderator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' });
		expect(reopen.body.error.code).toBe('meeting_invalid_transition');
	});
});
