import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { connectSocket, record, send, type ClientSocket } from '../support/socket-test-client.ts';
import { watchPresence } from '../support/presence-watch.ts';
import type { LiveState, PollSnapshot } from '../../src/lib/realtime/protocol.ts';
import type { PollResults } from '../../src/lib/polls/tally.ts';

/**
 * Issue 12, items 2 and 7 over the real API and sockets: every open poll is votable and the live
 * state gives each member their own ballot back with "N votanti su M aventi diritto presenti";
 * a tie is decided by a facilitator among the tied options only (recorded, audited, told to the
 * room, followed by the next meeting); the minutes report each poll by the method the room used.
 */
let app: TestApp;
let coordinator: ApiClient;
let moderator: ApiClient;
let anna: ApiClient;
let paolo: ApiClient;
let olga: ApiClient;
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

async function openPoll(body: Record<string, unknown>): Promise<{ id: string; options: Array<{ id: string; label: string }> }> {
	const created = await moderator.post(`/api/v1/meetings/${meetingId}/polls`, body);
	expect(created.status).toBe(201);
	expect((await moderator.post(`/api/v1/polls/${created.body.id}/open`)).status).toBe(200);
	return created.body;
}

const live = async (client: ApiClient): Promise<LiveState> => (await client.get(`/api/v1/meetings/${meetingId}/live`)).body;
const pollIn = (state: LiveState, pollId: string): PollSnapshot => state.polls.find((p) => p.poll.id === pollId)!;

beforeAll(async () => {
	app = await startTestApp();
	coordinator = new ApiClient(app.origin);
	await coordinator.signUp('coord@ties.example', 'Giulia Coordinatrice');
	tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Valle', territory: 'Valle' })).body.id;
	meetingId = (
		await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Primo incontro',
			startsAt: '2027-02-10T15:00:00+01:00',
			endsAt: '2027-02-10T17:00:00+01:00'
		})
	).body.id;
	const people: Array<[string, string, string]> = [
		['moderator', 'mod@ties.example', 'Marco Moderatore'],
		['participant', 'anna@ties.example', 'Anna Sindaca'],
		['participant', 'paolo@ties.example', 'Paolo Preside'],
		['observer', 'olga@ties.example', 'Olga Osservatrice']
	];
	const clients: ApiClient[] = [];
	for (const [role, email, name] of people) {
		const client = new ApiClient(app.origin);
		await client.signUp(email, name);
		await client.joinTable(coordinator, tableId, { role });
		clients.push(client);
	}
	[moderator, anna, paolo, olga] = clients;
	expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).status).toBe(200);
}, 60_000);

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await app?.stop();
});

describe('every open poll, each with its own ballot, counted against those entitled and present', () => {
	it('takes votes in two open polls at once, gives each member their ballot back and counts "aventi diritto presenti"', async () => {
		const mod = await join(moderator);
		const annaRoom = await join(anna);
		const paoloRoom = await join(paolo);
		await join(olga);
		const first = await openPoll({ question: 'Approviamo il regolamento?', kind: 'yesno' });
		const second = await openPoll({ question: 'Quale tema?', kind: 'single', options: ['Scuola', 'Lavoro'] });

		expect((await send(annaRoom.socket, 'poll:vote', { pollId: first.id, choice: 'yes' })).ok).toBe(true);
		expect((await send(annaRoom.socket, 'poll:vote', { pollId: second.id, choice: 'Lavoro' })).ok).toBe(true);
		expect((await send(paoloRoom.socket, 'poll:vote', { pollId: second.id, choice: 'Scuola' })).ok).toBe(true);

		// Moderator, Anna and Paolo may vote and are in the room; Olga observes; Giulia is not here.
		const seenByAnna = await live(anna);
		expect(seenByAnna.eligiblePresent).toBe(3);
		expect(pollIn(seenByAnna, first.id)).toMatchObject({ myBallot: { kind: 'yesno', option: 'yes' }, hasVoted: true, voters: 1 });
		const lavoro = second.options.find((o) => o.label === 'Lavoro')!.id;
		expect(pollIn(seenByAnna, second.id)).toMatchObject({ myBallot: { kind: 'single', option: lavoro }, hasVoted: true, voters: 2 });
		// A reload (a new join) gives the same, to Anna only.
		const again = await join(anna);
		expect(pollIn(again.state, second.id).myBallot).toEqual({ kind: 'single', option: lavoro });
		expect(pollIn(await live(paolo), first.id)).toMatchObject({ myBallot: null, hasVoted: false });

		// Paolo leaves: the room hears the new count from the server.
		const presence = watchPresence(mod.socket, meetingId);
		await expect.poll(() => presence.eligiblePresent).toBe(3);
		paoloRoom.socket.close();
		await expect.poll(() => presence.eligiblePresent).toBe(2);
		expect((await live(coordinator)).eligiblePresent).toBe(2);

		for (const poll of [first, second]) expect((await moderator.post(`/api/v1/polls/${poll.id}/close`)).status).toBe(200);
	});
});

describe('ties said honestly and decided by the moderator', () => {
	let rankedId = '';
	let options: Record<string, string> = {};

	it('records the choice of a facilitator among the tied options only, audits it and tells the room', async () => {
		const annaRoom = await join(anna);
		const paoloRoom = await join(paolo);
		const mod = await join(moderator);
		const poll = await openPoll({ question: 'Priorità dei temi?', kind: 'ranked', options: ['Scuola', 'Lavoro', 'Casa'] });
		rankedId = poll.id;
		options = Object.fromEntries(poll.options.map((o) => [o.label, o.id]));
		// Borda (2/1/0): Scuola 3, Lavoro 3, Casa 0; first preferences 1 and 1: a tie.
		expect((await send(annaRoom.socket, 'poll:vote', { pollId: poll.id, choice: ['Scuola', 'Lavoro', 'Casa'] })).ok).toBe(true);
		expect((await send(paoloRoom.socket, 'poll:vote', { pollId: poll.id, choice: ['Lavoro', 'Scuola', 'Casa'] })).ok).toBe(true);

		// Not while the poll is open: the counts may still change.
		const early = await moderator.post(`/api/v1/polls/${poll.id}/tie-break`, { optionId: options.Lavoro });
		expect(early.status).toBe(409);
		expect(early.body.error.code).toBe('poll_not_closed');
		expect((await moderator.post(`/api/v1/polls/${poll.id}/close`)).status).toBe(200);

		// A participant (by HTTP or socket) and an observer may not decide.
		expect((await anna.post(`/api/v1/polls/${poll.id}/tie-break`, { optionId: options.Lavoro })).status).toBe(403);
		expect((await olga.post(`/api/v1/polls/${poll.id}/tie-break`, { optionId: options.Lavoro })).status).toBe(403);
		const bySocket = await send(annaRoom.socket, 'poll:break-tie', { pollId: poll.id, optionId: options.Lavoro });
		expect(bySocket.ok).toBe(false);
		// Only among the tied: not the last one, not an option of no poll, not a malformed one.
		for (const optionId of [options.Casa, 'nessuna', '']) {
			const refused = await moderator.post(`/api/v1/polls/${poll.id}/tie-break`, { optionId });
			expect(refused.status).toBe(400);
			expect(refused.body.error.code).toBe('validation_failed');
		}
		const stored = await app.context.db.selectFrom('polls').select('tie_choice').where('id', '=', poll.id).executeTakeFirstOrThrow();
		expect(stored.tie_choice).toBeNull();

		const states = record(paoloRoom.socket, 'meeting:state');
		const chosen = await send(mod.socket, 'poll:break-tie', { pollId: poll.id, optionId: options.Lavoro });
		expect(chosen).toEqual({ ok: true });
		await expect.poll(() => states.map((s) => pollIn(s, poll.id)?.poll.tieChoice).at(-1)).toBe(options.Lavoro);
		expect(pollIn(await live(anna), poll.id).poll.tieChoice).toBe(options.Lavoro);

		const audit = await app.context.db
			.selectFrom('audit_events')
			.select(['action', 'subject_id', 'details'])
			.where('table_id', '=', tableId)
			.where('action', '=', 'poll.tie_break')
			.execute();
		expect(audit).toHaveLength(1);
		expect(audit[0].subject_id).toBe(poll.id);
		expect(JSON.stringify(audit[0].details)).toContain('Lavoro');
	});

	it('refuses a choice where there is no tie', async () => {
		const annaRoom = await join(anna);
		const poll = await openPoll({ question: 'Un solo tema?', kind: 'single', options: ['Scuola', 'Lavoro'] });
		expect((await send(annaRoom.socket, 'poll:vote', { pollId: poll.id, choice: 'Scuola' })).ok).toBe(true);
		expect((await moderator.post(`/api/v1/polls/${poll.id}/close`)).status).toBe(200);
		const refused = await moderator.post(`/api/v1/polls/${poll.id}/tie-break`, { optionId: poll.options[0].id });
		expect(refused.status).toBe(409);
		expect(refused.body.error.code).toBe('poll_not_tied');
	});

	it('lets the next meeting follow the choice in a date tie', async () => {
		const slots = ['2027-03-03T15:00:00+01:00', '2027-03-10T15:00:00+01:00'];
		const poll = await openPoll({ question: 'Quando ci rivediamo?', kind: 'scheduling', options: slots });
		const [early, late] = poll.options.map((o) => o.id);
		expect((await anna.post(`/api/v1/polls/${poll.id}/vote`, { choice: { [early]: 'yes', [late]: 'no' } })).status).toBe(200);
		expect((await paolo.post(`/api/v1/polls/${poll.id}/vote`, { choice: { [early]: 'no', [late]: 'yes' } })).status).toBe(200);
		expect((await moderator.post(`/api/v1/polls/${poll.id}/close`)).status).toBe(200);
		// `best` names the earlier slot, but it is a tie: nothing is chosen for the moderator.
		expect((await moderator.post(`/api/v1/polls/${poll.id}/next-meeting`, { topicPollId: null })).body.error.code).toBe(
			'poll_no_best_slot'
		);
		expect((await moderator.post(`/api/v1/polls/${poll.id}/tie-break`, { optionId: late })).status).toBe(200);
		const next = await moderator.post(`/api/v1/polls/${poll.id}/next-meeting`, { topicPollId: null });
		expect(next.status).toBe(201);
		expect(new Date(next.body.meeting.startsAt).toISOString()).toBe(new Date(slots[1]).toISOString());
		// Once the next meeting exists, the choice it followed stays.
		expect((await moderator.post(`/api/v1/polls/${poll.id}/tie-break`, { optionId: early })).status).toBe(409);
	});

	it('writes the minutes by the method the room used: Borda points, the tie and its choice, the motion with majority', async () => {
		const annaRoom = await join(anna);
		const paoloRoom = await join(paolo);
		const giulia = await join(coordinator);
		const poll = await openPoll({ question: 'Ordine dei lavori?', kind: 'ranked', options: ['Mobilità', 'Sanità', 'Cultura'] });
		// First preferences: Cultura 2, Mobilità 1, Sanità 0; Borda: Mobilità 4, Cultura 4... see below.
		const votes: Array<[ClientSocket, string[]]> = [
			[annaRoom.socket, ['Cultura', 'Mobilità', 'Sanità']],
			[paoloRoom.socket, ['Cultura', 'Mobilità', 'Sanità']],
			[giulia.socket, ['Mobilità', 'Sanità', 'Cultura']]
		];
		for (const [socket, choice] of votes) expect((await send(socket, 'poll:vote', { pollId: poll.id, choice })).ok).toBe(true);
		expect((await moderator.post(`/api/v1/polls/${poll.id}/close`)).status).toBe(200);
		const results: PollResults = (await anna.get(`/api/v1/polls/${poll.id}/results`)).body;
		const points = Object.fromEntries(results.borda!.map((b) => [b.label, b.points]));
		// Mobilità 1+1+2 = 4, Cultura 2+2+0 = 4, Sanità 0+0+1 = 1; Cultura has more first preferences.
		expect(points).toEqual({ Mobilità: 4, Sanità: 1, Cultura: 4 });

		expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'closed' })).status).toBe(200);
		const minutes = await coordinator.get(`/api/v1/meetings/${meetingId}/minutes`);
		expect(minutes.status).toBe(200);
		const markdown = (await anna.get(`/api/v1/documents/${minutes.body.documentId}/export?format=md`)).text;
		const section = (question: string) => {
			const start = markdown.indexOf(`### ${question}`);
			expect(start).toBeGreaterThanOrEqual(0);
			const end = markdown.indexOf('###', start + 4);
			return markdown.slice(start, end === -1 ? undefined : end);
		};

		const ranked = section('Ordine dei lavori?');
		expect(ranked).toContain('metodo Borda (punti per opzione)');
		// The room's Borda points, in the poll's order, and the winner by Borda (then first preferences).
		expect(ranked).toContain(`Mobilità ${points['Mobilità']} · Sanità ${points['Sanità']} · Cultura ${points['Cultura']}`);
		expect(ranked).toContain('prevale: Cultura');
		expect(ranked).toContain('Prime preferenze');
		expect(ranked).toContain('Mobilità 1 · Sanità 0 · Cultura 2');
		expect(ranked).toContain('Ballottaggio istantaneo');
		expect(ranked).toContain('turno 1');

		const tied = section('Priorità dei temi?');
		expect(tied).toContain('Scuola 3 · Lavoro 3 · Casa 0');
		expect(tied).toContain('parità tra Scuola, Lavoro; scelta del moderatore: Lavoro');

		const motion = section('Approviamo il regolamento?');
		expect(motion).toContain('favorevoli, contrari e astenuti, con maggioranza e quorum');
		expect(motion).toContain('approvata (Maggioranza semplice)');
		expect(rankedId).not.toBe('');
	});
});
