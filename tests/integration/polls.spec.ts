import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { scrapeMetrics } from '../support/metrics.ts';
import { ackRoundTrip, connectSocket, record, send, type ClientSocket } from '../support/socket-test-client.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Polls end to end: the §4 HTTP contract and the socket.io events, on a real server, with real
 * sockets, against PGlite or (DATABASE_URL) PostgreSQL.
 */
const participantCount = 50;

let app: TestApp;
let coordinator: ApiClient;
let moderator: ApiClient;
let observer: ApiClient;
let outsider: ApiClient;
const participants: ApiClient[] = [];
const userIds = new Map<ApiClient, string>();
let meetingId: string;
const sockets: ClientSocket[] = [];

async function member(email: string, role: string, tableId: string): Promise<ApiClient> {
	const client = new ApiClient(app.origin);
	userIds.set(client, (await client.signUp(email)).id);
	const invitation = await coordinator.post(`/api/v1/tables/${tableId}/invitations`, { role });
	expect((await client.post(`/api/v1/invitations/${invitation.body.token}/accept`)).status).toBeLessThan(300);
	return client;
}

async function socketOf(client: ApiClient): Promise<ClientSocket> {
	const socket = await connectSocket(app.origin, client.sessionCookie);
	sockets.push(socket);
	return socket;
}

async function joined(client: ApiClient): Promise<ClientSocket> {
	const socket = await socketOf(client);
	const ack = await send(socket, 'meeting:join', { meetingId });
	expect(ack.ok).toBe(true);
	return socket;
}

async function createPoll(body: Record<string, unknown>, by = moderator) {
	const created = await by.post(`/api/v1/meetings/${meetingId}/polls`, { anonymous: false, resultsVisible: 'live', ...body });
	expect(created.status).toBe(201);
	return created.body as { id: string; options: { id: string; label: string }[] };
}

beforeAll(async () => {
	app = await startTestApp();
	coordinator = new ApiClient(app.origin);
	userIds.set(coordinator, (await coordinator.signUp('coordinatrice@polls.example', 'Giulia')).id);
	const tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Città', territory: 'Città' })).body.id;
	meetingId = (
		await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Primo incontro',
			startsAt: '2027-01-10T15:00:00+01:00',
			endsAt: '2027-01-10T17:00:00+01:00'
		})
	).body.id;
	moderator = await member('moderatore@polls.example', 'moderator', tableId);
	observer = await member('osservatore@polls.example', 'observer', tableId);
	outsider = new ApiClient(app.origin);
	await outsider.signUp('estraneo@polls.example');
	const invitation = await coordinator.post(`/api/v1/tables/${tableId}/invitations`, { role: 'participant', maxUses: participantCount });
	await Promise.all(
		Array.from({ length: participantCount }, async (_, i) => {
			const client = new ApiClient(app.origin);
			userIds.set(client, (await client.signUp(`partecipante${i}@polls.example`)).id);
			expect((await client.post(`/api/v1/invitations/${invitation.body.token}/accept`)).status).toBeLessThan(300);
			participants[i] = client;
		})
	);
}, 120_000);

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await app?.stop();
});

describe('a single-choice poll with 50 members voting at once', () => {
	it('counts each member once, with changed votes replacing old ones, and broadcasts what the API answers', async () => {
		const watcher = await joined(observer);
		const opened = record(watcher, 'poll:opened');
		const results = record(watcher, 'poll:results');
		const poll = await createPoll({
			question: 'Quale tema per il prossimo incontro?',
			kind: 'single',
			options: ['Trasporti', 'Scuola', 'Casa']
		});
		const [transport, school, housing] = poll.options;
		expect((await moderator.post(`/api/v1/polls/${poll.id}/open`)).status).toBe(200);
		await waitUntil(() => opened.find((o) => o.poll.id === poll.id), 5000, 'poll:opened');

		const voters = await Promise.all(participants.map((p) => socketOf(p)));
		const first = voters.map((_, i) => [transport, school, housing][i % 3]);
		// Half by id, half by exact label: both name an option.
		const acks = await Promise.all(
			voters.map((s, i) => send(s, 'poll:vote', { pollId: poll.id, choice: i % 2 ? first[i].id : first[i].label }))
		);
		expect(acks.every((a) => a.ok)).toBe(true);

		// Ten change their mind, twice each, concurrently; one votes the same again.
		const final = [...first];
		await Promise.all(
			voters.slice(0, 10).map(async (s, i) => {
				await send(s, 'poll:vote', { pollId: poll.id, choice: school.id });
				const ack = await send(s, 'poll:vote', { pollId: poll.id, choice: housing.label });
				expect(ack.ok).toBe(true);
				final[i] = housing;
			})
		);
		await send(voters[20], 'poll:vote', { pollId: poll.id, choice: final[20].id });

		const expected = [transport, school, housing].map((o) => ({
			id: o.id,
			label: o.label,
			count: final.filter((f) => f.id === o.id).length
		}));
		const api = await participants[0].get(`/api/v1/polls/${poll.id}/results`);
		expect(api.status).toBe(200);
		expect(api.body.results).toEqual(expected);
		expect(api.body.voters).toBe(participantCount);

		// A burst of votes goes out as a few coalesced poll:results, the last of them exact: the
		// final one is the one that says what the API says (with every voter in it).
		const last = await waitUntil(
			() => {
				const latest = results.filter((r) => r.pollId === poll.id).at(-1);
				expect(latest).toEqual({ pollId: poll.id, meetingId, results: api.body });
				return latest?.results.voters === participantCount && latest;
			},
			5000,
			'final poll:results'
		);
		// And nothing different after it: whatever the server sent the watcher before this answer has arrived.
		await ackRoundTrip(watcher);
		expect(results.filter((r) => r.pollId === poll.id).at(-1)).toEqual({ pollId: poll.id, meetingId, results: api.body });
		expect(last.results.results).toEqual(expected);

		const voterRows = await app.context.db.selectFrom('poll_voters').selectAll().where('poll_id', '=', poll.id).execute();
		const ballotRows = await app.context.db.selectFrom('poll_ballots').selectAll().where('poll_id', '=', poll.id).execute();
		expect(voterRows).toHaveLength(participantCount);
		expect(ballotRows).toHaveLength(participantCount);

		const closed = record(watcher, 'poll:closed');
		expect((await moderator.post(`/api/v1/polls/${poll.id}/close`)).status).toBe(200);
		const snapshot = await waitUntil(() => closed.find((c) => c.poll.id === poll.id), 5000, 'poll:closed');
		expect(snapshot.poll.status).toBe('closed');
		expect(snapshot.results?.results).toEqual(expected);

		// Every acknowledged vote is timed in /metrics (per node: summed over the nodes), with the
		// live connections and rooms.
		const scraped = await Promise.all(app.nodes.map((node) => scrapeMetrics(node)));
		const sum = (pattern: RegExp) => scraped.reduce((total, metrics) => total + Number(pattern.exec(metrics)?.[1] ?? 0), 0);
		expect(sum(/tavolo_socket_command_seconds_count\{event="poll:vote",result="ok"\} (\d+)/)).toBeGreaterThanOrEqual(participantCount);
		expect(sum(/tavolo_socket_connections (\d+)/)).toBeGreaterThan(0);
		expect(sum(/tavolo_meeting_rooms (\d+)/)).toBeGreaterThan(0);
	});
});

describe('refusals', () => {
	it('refuses votes on a draft or closed poll, from observers and non-members, and bad choices', async () => {
		const poll = await createPoll({ question: 'Quali priorità?', kind: 'multiple', options: ['A', 'B', 'C', 'D'], maxChoices: 2 });
		const voter = await socketOf(participants[1]);
		const code = async (socket: ClientSocket, choice: unknown, pollId = poll.id) => {
			const ack = await send(socket, 'poll:vote', { pollId, choice });
			return ack.ok ? 'ok' : ack.error.code;
		};
		expect(await code(voter, ['A'])).toBe('poll_not_open');
		await moderator.post(`/api/v1/polls/${poll.id}/open`);

		const observerSocket = await socketOf(observer);
		const denied = await send(observerSocket, 'poll:vote', { pollId: poll.id, choice: ['A'] });
		expect(denied).toMatchObject({ ok: false, error: { code: 'forbidden', message: 'Non hai i permessi per questa operazione.' } });
		expect(await code(await socketOf(outsider), ['A'])).toBe('forbidden');
		expect((await outsider.post(`/api/v1/polls/${poll.id}/vote`, { choice: ['A'] })).status).toBe(403);

		expect(await code(voter, ['Z'])).toBe('poll_unknown_option');
		expect(await code(voter, 'A')).toBe('poll_invalid_choice');
		expect(await code(voter, ['A', 'A'])).toBe('poll_invalid_choice');
		expect(await code(voter, [])).toBe('poll_invalid_choice');
		expect(await code(voter, ['A', 'B', 'C'])).toBe('poll_too_many_choices');
		expect(await code(voter, ['A', 'B'], 'nonexistent')).toBe('not_found');
		const malformed = await send(voter, 'poll:vote', 'not an object' as never);
		expect(malformed).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
		expect(await code(voter, ['A', 'B'])).toBe('ok');

		const refused = await participants[1].post(`/api/v1/polls/${poll.id}/vote`, { choice: ['A', 'B', 'C'] });
		expect(refused.status).toBe(400);
		expect(refused.body.error).toMatchObject({ code: 'poll_too_many_choices', message: expect.stringMatching(/troppe opzioni/) });

		await moderator.post(`/api/v1/polls/${poll.id}/close`);
		expect(await code(voter, ['A'])).toBe('poll_not_open');
		const reopen = await moderator.post(`/api/v1/polls/${poll.id}/open`);
		expect(reopen.status).toBe(409);
		expect(reopen.body.error.code).toBe('poll_invalid_transition');
		expect((await participants[1].get(`/api/v1/polls/${poll.id}/results`)).body.results.map((r: { count: number }) => r.count)).toEqual([
			1, 1, 0, 0
		]);
	});

	it('lets only moderators and coordinators create, open and close polls', async () => {
		const body = { question: 'Q?', kind: 'single', options: ['Sì', 'No'], anonymous: false, resultsVisible: 'live' };
		expect((await participants[2].post(`/api/v1/meetings/${meetingId}/polls`, body)).status).toBe(403);
		expect((await observer.post(`/api/v1/meetings/${meetingId}/polls`, body)).status).toBe(403);
		expect((await outsider.post(`/api/v1/meetings/${meetingId}/polls`, body)).status).toBe(403);
		const poll = await createPoll(body, coordinator);
		expect((await participants[2].post(`/api/v1/polls/${poll.id}/open`)).status).toBe(403);
		const invalid = await moderator.post(`/api/v1/meetings/${meetingId}/polls`, { ...body, kind: 'single', options: ['Solo'] });
		expect(invalid.status).toBe(400);
		expect(invalid.body.error.fields).toHaveProperty('options');
	});
});

describe('anonymous polls', () => {
	it('counts each member once while no stored row links a member to a ballot', async () => {
		const poll = await createPoll({
			question: 'Approviamo il regolamento?',
			kind: 'yesno',
			anonymous: true,
			majority: 'two_thirds',
			quorum: 5
		});
		expect(poll.options.map((o) => o.label)).toEqual(['Favorevole', 'Contrario', 'Astenuto']);
		await moderator.post(`/api/v1/polls/${poll.id}/open`);
		const voters = participants.slice(0, 6);
		const sockets6 = await Promise.all(voters.map(socketOf));
		await Promise.all(sockets6.map((s, i) => send(s, 'poll:vote', { pollId: poll.id, choice: i < 3 ? 'yes' : 'Contrario' })));
		// Two change to yes (once by id, once by label): 5 yes, 1 no.
		expect((await send(sockets6[3], 'poll:vote', { pollId: poll.id, choice: 'Favorevole' })).ok).toBe(true);
		expect((await send(sockets6[4], 'poll:vote', { pollId: poll.id, choice: 'yes' })).ok).toBe(true);

		// The ballot key lives in the process (or Redis), never in the database (secret-ballots.spec.ts).
		expect(await app.context.votes.keys.find(poll.id)).not.toBeNull();
		await moderator.post(`/api/v1/polls/${poll.id}/close`);

		const results = (await participants[0].get(`/api/v1/polls/${poll.id}/results`)).body;
		expect(results.voters).toBe(6);
		expect(results.results.map((r: { count: number }) => r.count)).toEqual([5, 1, 0]);
		expect(results.outcome).toMatchObject({ rule: 'two_thirds', quorum: 5, quorumMet: true, passed: true });

		const db = app.context.db;
		expect(await app.context.votes.keys.find(poll.id)).toBeNull();
		const ballots = await db.selectFrom('poll_ballots').selectAll().where('poll_id', '=', poll.id).execute();
		expect(ballots).toHaveLength(6);
		const ids = voters.map((v) => userIds.get(v)!);
		for (const ballot of ballots) {
			expect(ballot.user_id).toBeNull();
			const text = JSON.stringify(ballot);
			for (const id of ids) expect(text).not.toContain(id);
		}
		// The ballot keys appear nowhere else: no table joins them to a person.
		const keys = new Set(ballots.map((b) => b.ballot_key));
		for (const table of ['poll_voters', 'meeting_attendance', 'sessions', 'users', 'memberships'] as const) {
			const rows = await db.selectFrom(table).selectAll().execute();
			for (const row of rows) for (const value of Object.values(row)) expect(keys.has(String(value))).toBe(false);
		}
		const voterRows = await db.selectFrom('poll_voters').selectAll().where('poll_id', '=', poll.id).execute();
		expect(voterRows.map((v) => v.user_id).sort()).toEqual([...ids].sort());
		// Voters carry no time or order that could be matched against ballots.
		expect(Object.keys(voterRows[0]).sort()).toEqual(['poll_id', 'user_id']);
		expect(Object.keys(ballots[0]).sort()).toEqual(['ballot_key', 'choice', 'poll_id', 'user_id']);
	});
});

describe('poll kinds', () => {
	it('ranked polls add Borda points and the instant-runoff rounds', async () => {
		const poll = await createPoll({ question: 'Ordina i temi', kind: 'ranked', options: ['Lavoro', 'Salute', 'Lingua'] });
		await moderator.post(`/api/v1/polls/${poll.id}/open`);
		const ballots = [
			['Lavoro', 'Salute', 'Lingua'],
			['Lavoro', 'Lingua', 'Salute'],
			['Salute', 'Lingua', 'Lavoro'],
			['Salute', 'Lavoro', 'Lingua'],
			['Lingua', 'Salute', 'Lavoro']
		];
		for (const [i, choice] of ballots.entries()) {
			expect((await participants[i].post(`/api/v1/polls/${poll.id}/vote`, { choice })).status).toBe(200);
		}
		const r = (await participants[0].get(`/api/v1/polls/${poll.id}/results`)).body;
		expect(r.results.map((x: { count: number }) => x.count)).toEqual([2, 2, 1]);
		expect(r.borda.map((x: { points: number }) => x.points)).toEqual([5, 6, 4]);
		expect(r.borda.reduce((a: number, x: { points: number }) => a + x.points, 0)).toBe((5 * 3 * 2) / 2);
		const salute = poll.options[1].id;
		expect(r.runoff.winner).toBe(salute);
		expect(r.runoff.rounds[0].eliminated).toEqual([poll.options[2].id]);
	});

	it('dots polls spread a fixed number of dots', async () => {
		const poll = await createPoll({ question: 'Distribuisci i punti', kind: 'dots', options: ['A', 'B', 'C'], dots: 5 });
		await moderator.post(`/api/v1/polls/${poll.id}/open`);
		expect((await participants[0].post(`/api/v1/polls/${poll.id}/vote`, { choice: { A: 3, B: 2 } })).status).toBe(200);
		expect((await participants[1].post(`/api/v1/polls/${poll.id}/vote`, { choice: { [poll.options[2].id]: 5 } })).status).toBe(200);
		const over = await participants[2].post(`/api/v1/polls/${poll.id}/vote`, { choice: { A: 4, B: 2 } });
		expect(over.body.error.code).toBe('poll_too_many_choices');
		expect((await participants[2].post(`/api/v1/polls/${poll.id}/vote`, { choice: { A: -1 } })).body.error.code).toBe(
			'poll_invalid_choice'
		);
		const r = (await participants[0].get(`/api/v1/polls/${poll.id}/results`)).body;
		expect(r.results.map((x: { count: number }) => x.count)).toEqual([3, 2, 5]);
		expect(r.voters).toBe(2);
	});

	it('scheduling polls pick the slot most can attend', async () => {
		const slots = ['2027-02-01T15:00:00+01:00', '2027-02-03T15:00:00+01:00', '2027-02-05T10:00:00+01:00'];
		const poll = await createPoll({ question: 'Quando ci vediamo?', kind: 'scheduling', options: slots });
		await moderator.post(`/api/v1/polls/${poll.id}/open`);
		const answers = [
			{ [slots[0]]: 'yes', [slots[1]]: 'yes', [slots[2]]: 'no' },
			{ [slots[0]]: 'maybe', [slots[1]]: 'yes' },
			{ [slots[0]]: 'yes', [slots[1]]: 'maybe', [slots[2]]: 'yes' }
		];
		for (const [i, choice] of answers.entries()) {
			expect((await participants[i].post(`/api/v1/polls/${poll.id}/vote`, { choice })).status).toBe(200);
		}
		expect((await participants[3].post(`/api/v1/polls/${poll.id}/vote`, { choice: { [slots[0]]: 'forse' } })).body.error.code).toBe(
			'poll_invalid_choice'
		);
		const r = (await participants[0].get(`/api/v1/polls/${poll.id}/results`)).body;
		expect(r.slots.map((s: { yes: number; maybe: number }) => [s.yes, s.maybe])).toEqual([
			[2, 1],
			[2, 1],
			[1, 0]
		]);
		expect(r.best).toBe(poll.options[0].id);
		expect(
			(await moderator.post(`/api/v1/meetings/${meetingId}/polls`, { question: 'X', kind: 'scheduling', options: ['domani'] })).status
		).toBe(400);
	});
});

describe('results visibility', () => {
	it('after_close: hidden from members until the poll closes, always shown to facilitators', async () => {
		const poll = await createPoll({
			question: 'Segreto fino alla chiusura',
			kind: 'single',
			options: ['X', 'Y'],
			resultsVisible: 'after_close'
		});
		const member = await joined(participants[5]);
		const mod = await joined(moderator);
		const memberResults = record(member, 'poll:results');
		const modResults = record(mod, 'poll:results');
		const memberClosed = record(member, 'poll:closed');
		await moderator.post(`/api/v1/polls/${poll.id}/open`);
		await send(member, 'poll:vote', { pollId: poll.id, choice: 'X' });
		await waitUntil(() => modResults.some((r) => r.pollId === poll.id), 5000, 'results to the moderator');
		const hidden = await participants[5].get(`/api/v1/polls/${poll.id}/results`);
		expect(hidden.status).toBe(403);
		expect(hidden.body.error.code).toBe('poll_results_hidden');
		expect((await moderator.get(`/api/v1/polls/${poll.id}/results`)).status).toBe(200);
		await moderator.post(`/api/v1/polls/${poll.id}/close`);
		const closed = await waitUntil(() => memberClosed.find((c) => c.poll.id === poll.id), 5000, 'poll:closed');
		expect(closed.results?.results.map((r) => r.count)).toEqual([1, 0]);
		expect(memberResults.some((r) => r.pollId === poll.id)).toBe(false);
		expect((await participants[5].get(`/api/v1/polls/${poll.id}/results`)).status).toBe(200);
	});

	it('hidden: shown to everyone only once a moderator reveals them', async () => {
		const poll = await createPoll({ question: 'Da rivelare', kind: 'single', options: ['X', 'Y'], resultsVisible: 'hidden' });
		const member = await joined(participants[6]);
		const memberResults = record(member, 'poll:results');
		await moderator.post(`/api/v1/polls/${poll.id}/open`);
		await send(member, 'poll:vote', { pollId: poll.id, choice: 'Y' });
		await moderator.post(`/api/v1/polls/${poll.id}/close`);
		expect((await participants[6].get(`/api/v1/polls/${poll.id}/results`)).status).toBe(403);
		expect((await participants[6].post(`/api/v1/polls/${poll.id}/reveal`)).status).toBe(403);
		expect((await moderator.post(`/api/v1/polls/${poll.id}/reveal`)).status).toBe(200);
		const shown = await waitUntil(() => memberResults.find((r) => r.pollId === poll.id), 5000, 'revealed results');
		expect(shown.results.results.map((r) => r.count)).toEqual([0, 1]);
		expect((await participants[6].get(`/api/v1/polls/${poll.id}/results`)).body).toEqual(shown.results);
	});
});
