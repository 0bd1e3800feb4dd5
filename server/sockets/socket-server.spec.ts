import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApiClient, startTestApp, type TestApp } from '../../tests/support/app.ts';
import { connectSocket, send, type ClientSocket } from '../../tests/support/socket-test-client.ts';

/** Bad input reaches a socket handler as `unknown`: refused, acknowledged, never a crash. */
interface Room {
	app: TestApp;
	/** The coordinator who made the meeting. */
	client: ApiClient;
	meetingId: string;
	sockets: ClientSocket[];
}

/** An app with a coordinator's session and a meeting to send commands about. */
async function startRoom(env: Record<string, string> = {}): Promise<Room> {
	const app = await startTestApp(env);
	const client = new ApiClient(app.origin);
	await client.signUp('coord@sockets.example');
	const tableId = (await client.post('/api/v1/tables', { name: 'Tavolo', territory: 'Piana' })).body.id;
	const meetingId = (
		await client.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Incontro',
			startsAt: '2027-01-10T15:00:00+01:00',
			endsAt: '2027-01-10T17:00:00+01:00'
		})
	).body.id;
	return { app, client, meetingId, sockets: [] };
}

async function stopRoom(room: Room | undefined): Promise<void> {
	for (const socket of room?.sockets ?? []) socket.close();
	await room?.app.stop();
}

/** The app as configured by default (30 commands a second per connection). */
let room: Room;
let meetingId: string;

beforeAll(async () => {
	room = await startRoom();
	meetingId = room.meetingId;
});

afterAll(() => stopRoom(room));

async function open(where: Room = room): Promise<ClientSocket> {
	const socket = await connectSocket(where.app.origin, where.client.sessionCookie);
	where.sockets.push(socket);
	return socket;
}

describe('socket commands with bad input', () => {
	it('acknowledges malformed payloads with validation_failed and an Italian message', async () => {
		const socket = await open();
		const payloads: unknown[] = [
			null,
			42,
			'x',
			[],
			{ meetingId: 7 },
			{ meetingId: 'a'.repeat(200) },
			{ meetingId, itemId: { nested: true } }
		];
		for (const payload of payloads) {
			const ack = await send(socket, 'meeting:focus', payload as never);
			expect(ack).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^(validation_failed|not_found)$/) } });
			if (!ack.ok) expect(ack.error.message).toMatch(/[a-zà-ù]/);
		}
		const bad = await send(socket, 'timer:start', { meetingId, itemId: 'p1', durationMs: -5 });
		expect(bad).toMatchObject({ ok: false, error: { code: 'validation_failed', fields: { durationMs: expect.any(String) } } });
		expect(socket.connected).toBe(true);
	});

	it('ignores commands sent without an acknowledgement and unknown events, and stays up', async () => {
		const socket = await open();
		(socket.emit as (event: string, ...args: unknown[]) => void)('poll:vote', { pollId: 'x', choice: 1 });
		(socket.emit as (event: string, ...args: unknown[]) => void)('nonexistent:event', { a: 1 });
		const ack = await send(socket, 'meeting:join', { meetingId });
		expect(ack.ok).toBe(true);
	});

	it('closes only the connection that sends an oversized message', async () => {
		const big = await open();
		const other = await open();
		const closed = new Promise<string>((resolve) => big.once('disconnect', (reason) => resolve(reason)));
		(big.emit as (event: string, ...args: unknown[]) => void)('poll:vote', { pollId: 'x', choice: 'a'.repeat(200_000) });
		expect(await closed).toBe('transport close');
		expect((await send(other, 'meeting:join', { meetingId })).ok).toBe(true);
	});
});

describe('command rate', () => {
	// On the default cap, TAVOLO_SOCKET_COMMANDS_PER_SECOND=30.
	it('refuses a burst beyond the per-socket limit with rate_limited, then recovers', async () => {
		const socket = await open();
		const answers = await Promise.all(Array.from({ length: 60 }, () => send(socket, 'meeting:join', { meetingId })));
		const limited = answers.filter((a) => !a.ok && a.error.code === 'rate_limited');
		expect(limited.length).toBeGreaterThan(0);
		expect(answers.filter((a) => a.ok).length).toBeGreaterThanOrEqual(30);
		// The cap counts in one-second windows: recovering means the next window.
		await new Promise((r) => setTimeout(r, 1100));
		expect((await send(socket, 'meeting:join', { meetingId })).ok).toBe(true);
	});
});

describe('every command under arbitrary payloads (fast-check)', () => {
	// An app of its own whose command cap is out of reach: about 500 commands go out as fast as
	// they are answered, and each answer is about its payload, never the rate.
	let fuzzed: Room;
	beforeAll(async () => {
		// One connection per event, all kept open: more than the default 20 per user.
		fuzzed = await startRoom({ TAVOLO_SOCKET_COMMANDS_PER_SECOND: '1000000', TAVOLO_SOCKET_CONNECTIONS_PER_USER: '100' });
	});
	afterAll(() => stopRoom(fuzzed));

	const events = [
		'meeting:join',
		'meeting:leave',
		'meeting:status',
		'meeting:focus',
		'document:focus',
		'timer:start',
		'timer:pause',
		'timer:extend',
		'timer:reset',
		'hand:raise',
		'hand:lower',
		'speaker:give',
		'speaker:end',
		'speaker:remove',
		'speaker:reorder',
		'poll:create',
		'poll:open',
		'poll:close',
		'poll:reveal',
		'poll:vote',
		'poll:break-tie',
		'meeting:schedule'
	] as const;
	// Never our meeting's id: whatever the rest says, nothing may change and every answer is a refusal.
	const payload = fc.oneof(
		fc.anything({ withObjectString: true, withNullPrototype: true, withBigInt: false }),
		fc.record(
			{
				meetingId: fc.oneof(fc.string({ maxLength: 3000 }), fc.integer(), fc.constant(null)),
				itemId: fc.anything(),
				status: fc.anything()
			},
			{ requiredKeys: [] }
		),
		fc.record({ pollId: fc.oneof(fc.string({ maxLength: 3000 }), fc.array(fc.string())), choice: fc.anything() }, { requiredKeys: [] })
	);
	const liveState = async () => {
		const { body } = await fuzzed.client.get(`/api/v1/meetings/${fuzzed.meetingId}/live`);
		// Who is present (and so how many may vote) follows the sockets this test opens.
		const { serverTime: _serverTime, present: _present, eligiblePresent: _eligible, presenceVersion: _version, ...rest } = body;
		return rest;
	};

	it('acknowledges each with an error object, changes nothing, and a valid command still works', { timeout: 120_000 }, async () => {
		const before = await liveState();
		for (const event of events) {
			const socket = await open(fuzzed);
			await fc.assert(
				fc.asyncProperty(payload, fc.boolean(), async (body, withAck) => {
					fc.pre(!(typeof body === 'object' && body !== null && JSON.stringify(body)?.includes(fuzzed.meetingId)));
					if (!withAck) {
						(socket.emit as (event: string, ...args: unknown[]) => void)(event, body);
						return;
					}
					const ack = await send(socket, event, body as never);
					// Leaving a room one is not in is a harmless no-op; everything else is refused.
					if (event === 'meeting:leave' && ack.ok) return;
					expect(ack, `${event} ${JSON.stringify(body)}`).toMatchObject({
						ok: false,
						error: { code: expect.any(String), message: expect.any(String) }
					});
					if (!ack.ok) expect(ack.error.code, 'refused for its payload, not for the rate').not.toBe('rate_limited');
				}),
				{ numRuns: 25 }
			);
			expect(socket.connected, event).toBe(true);
			const valid = await send(socket, 'meeting:join', { meetingId: fuzzed.meetingId });
			expect(valid.ok, `meeting:join after fuzzing ${event}`).toBe(true);
			// One connection at a time: more events than TAVOLO_SOCKET_CONNECTIONS_PER_USER allows at once.
			socket.close();
		}
		expect(await liveState()).toEqual(before);
	});
});
