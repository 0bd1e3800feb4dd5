import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { connectSocket, record, send, type ClientSocket } from '../support/socket-test-client.ts';
import { waitUntil } from '../support/wait-until.ts';
import { anonymousBallotKey } from '../../src/lib/server/polls/ballot-keys.ts';
import { copyPgliteTemplate, createTestDatabase } from '../support/database.ts';
import { freePort, killAllServerProcesses, startServerProcess, type ServerProcess } from '../support/server-process.ts';

/**
 * Secret ballots (issue 11, item 2), on a real server with real sockets, against PGlite or
 * (DATABASE_URL) PostgreSQL. The attack: an operator with the database recomputed
 * HMAC(secret, "poll:user") from the poll's ballot secret, read back from old row versions or from
 * the PGlite files, and matched every ballot to its voter. The key must never reach the database
 * or a file; the roll of who voted and the ballots must share nothing that joins them.
 */
const batch = 3;

let app: TestApp;
let moderator: ApiClient;
let observer: ApiClient;
const participants: ApiClient[] = [];
const userIds = new Map<ApiClient, string>();
let meetingId: string;
const sockets: ClientSocket[] = [];

async function member(email: string, role: string, tableId: string, coordinator: ApiClient): Promise<ApiClient> {
	const client = new ApiClient(app.origin);
	userIds.set(client, (await client.signUp(email)).id);
	const invitation = await coordinator.post(`/api/v1/tables/${tableId}/invitations`, { role });
	expect((await client.post(`/api/v1/invitations/${invitation.body.token}/accept`)).status).toBeLessThan(300);
	return client;
}

async function joined(client: ApiClient): Promise<ClientSocket> {
	const socket = await connectSocket(app.origin, client.sessionCookie);
	sockets.push(socket);
	expect((await send(socket, 'meeting:join', { meetingId })).ok).toBe(true);
	return socket;
}

async function anonymousPoll(options: string[] = ['Lavoro', 'Salute', 'Lingua']) {
	const created = await moderator.post(`/api/v1/meetings/${meetingId}/polls`, {
		question: 'Quale tema per primo?',
		kind: 'single',
		options,
		anonymous: true,
		resultsVisible: 'live'
	});
	expect(created.status).toBe(201);
	expect((await moderator.post(`/api/v1/polls/${created.body.id}/open`)).status).toBe(200);
	return created.body as { id: string; options: { id: string; label: string }[] };
}

async function vote(socket: ClientSocket, pollId: string, choice: unknown) {
	const ack = await send(socket, 'poll:vote', { pollId, choice });
	expect(ack).toEqual({ ok: true });
}

/** The poll as GET /live shows it to `client`. */
async function liveView(client: ApiClient, pollId: string) {
	const live = await client.get(`/api/v1/meetings/${meetingId}/live`);
	expect(live.status).toBe(200);
	return (
		live.body.polls as Array<{
			poll: { id: string };
			voters: number;
			results: { voters: number } | null;
			myBallot: unknown;
			hasVoted: boolean;
		}>
	).find((p) => p.poll.id === pollId)!;
}

/** Every form the key could be written in: raw bytes, hex (bytea's text form), base64, base64url. */
function encodings(key: Buffer): Buffer[] {
	return [key, Buffer.from(key.toString('hex')), Buffer.from(key.toString('base64')), Buffer.from(key.toString('base64url'))];
}

async function filesUnder(dir: string): Promise<string[]> {
	const entries = await readdir(dir, { withFileTypes: true, recursive: true });
	return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** Every row of every table of the app's database, as PostgreSQL's text form of the row. */
async function dumpAllRows(): Promise<Array<{ table: string; row: string }>> {
	const db = app.context.db;
	const tables = await sql<{ table_name: string }>`
		select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'
	`.execute(db);
	const rows: Array<{ table: string; row: string }> = [];
	for (const { table_name: table } of tables.rows) {
		const result = await sql<{ row: string }>`select t::text as row from ${sql.table(table)} t`.execute(db);
		for (const { row } of result.rows) rows.push({ table, row });
	}
	return rows;
}

beforeAll(async () => {
	app = await startTestApp({
		TAVOLO_ANONYMOUS_RESULTS_BATCH: String(batch),
		// Long enough that only a full batch or the close publishes within a test.
		TAVOLO_ANONYMOUS_RESULTS_INTERVAL_SECONDS: '3600'
	});
	const coordinator = new ApiClient(app.origin);
	userIds.set(coordinator, (await coordinator.signUp('coordinatrice@segreto.example', 'Giulia')).id);
	const tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Pianura', territory: 'Pianura' })).body.id;
	meetingId = (
		await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Voto segreto',
			startsAt: '2027-02-10T15:00:00+01:00',
			endsAt: '2027-02-10T17:00:00+01:00'
		})
	).body.id;
	moderator = await member('moderatore@segreto.example', 'moderator', tableId, coordinator);
	observer = await member('osservatore@segreto.example', 'observer', tableId, coordinator);
	for (let i = 0; i < 8; i += 1) participants.push(await member(`votante${i}@segreto.example`, 'participant', tableId, coordinator));
}, 120_000);

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await app?.stop();
});

describe('secret ballots', () => {
	it('keeps the ballot key out of every table and every database file, and leaves nothing that joins the roll to the ballots', async () => {
		const poll = await anonymousPoll();
		const voters = participants.slice(0, 5);
		const voterSockets = await Promise.all(voters.map(joined));
		await Promise.all(voterSockets.map((s, i) => vote(s, poll.id, poll.options[i % 3].id)));
		// A changed vote, while the poll is open: the key finds the member's ballot again.
		await vote(voterSockets[0], poll.id, 'Lingua');
		const mine = await liveView(voters[0], poll.id);
		expect(mine.myBallot).toEqual({ kind: 'single', option: poll.options[2].id });
		expect(mine.hasVoted).toBe(true);
		expect((await liveView(participants[7], poll.id)).myBallot).toBeNull();

		const key = await app.context.votes.keys.find(poll.id);
		expect(key).not.toBeNull();
		const needles = encodings(key!);
		// While the poll is open the key links each member to a ballot: it must be nowhere on disk.
		for (const { table, row } of await dumpAllRows()) {
			for (const needle of needles) expect(row.includes(needle.toString('latin1')), `key found in a row of ${table}`).toBe(false);
		}
		if (!app.services.config.databaseUrl) {
			await sql`checkpoint`.execute(app.context.db);
			const files = await filesUnder(app.services.config.dataDir);
			// What is stored can be found this way: a ballot key (an HMAC made with the key) is there.
			const stored = Buffer.from(anonymousBallotKey(key!, poll.id, userIds.get(voters[0])!));
			let found = false;
			for (const file of files) {
				const bytes = await readFile(file);
				found ||= bytes.includes(stored);
				for (const needle of needles) expect(bytes.includes(needle), `key found in ${file}`).toBe(false);
			}
			expect(found).toBe(true);
		}

		expect((await moderator.post(`/api/v1/polls/${poll.id}/close`)).status).toBe(200);
		expect(await app.context.votes.keys.find(poll.id)).toBeNull();
		const results = (await participants[0].get(`/api/v1/polls/${poll.id}/results`)).body;
		expect(results.voters).toBe(5);
		expect(results.results.map((r: { count: number }) => r.count)).toEqual([1, 2, 2]);
		// After the close nobody, the member included, can be shown which ballot was theirs.
		const after = await liveView(voters[0], poll.id);
		expect(after.myBallot).toBeNull();
		expect(after.hasVoted).toBe(true);

		const db = app.context.db;
		const rows = await dumpAllRows();
		for (const { table, row } of rows) {
			for (const needle of needles) expect(row.includes(needle.toString('latin1')), `key found in a row of ${table}`).toBe(false);
		}
		const ballots = await db.selectFrom('poll_ballots').selectAll().where('poll_id', '=', poll.id).execute();
		const roll = await db.selectFrom('poll_voters').selectAll().where('poll_id', '=', poll.id).execute();
		expect(ballots).toHaveLength(5);
		expect(roll.map((r) => r.user_id).sort()).toEqual(voters.map((v) => userIds.get(v)!).sort());
		// The two tables share only the poll: no id, time or person to join them on (a ballot's
		// user_id is for named polls; here it is empty).
		for (const ballot of ballots) {
			const shared = Object.entries(ballot).filter(([column, value]) => column in roll[0] && value !== null);
			expect(shared.map(([column]) => column)).toEqual(['poll_id']);
		}
		// No ballot key appears anywhere else in the database, and no voter's id appears in a ballot.
		const keys = ballots.map((b) => b.ballot_key);
		const elsewhere = rows.filter(({ table }) => table !== 'poll_ballots');
		for (const ballotKey of keys) expect(elsewhere.some(({ row }) => row.includes(ballotKey))).toBe(false);
		const ballotRows = rows.filter(({ table }) => table === 'poll_ballots').map(({ row }) => row);
		for (const id of roll.map((r) => r.user_id)) expect(ballotRows.some((row) => row.includes(id))).toBe(false);
		// Physical order and row versions: the close rewrote both tables in their own orders, in one
		// transaction, so neither the vote's transaction (xmin) nor the arrival order remains.
		const physical = await sql<{ ballot_key: string; xmin: string }>`
			select ballot_key, xmin::text as xmin from poll_ballots where poll_id = ${poll.id} order by ctid
		`.execute(db);
		expect(physical.rows.map((r) => r.ballot_key)).toEqual([...keys].sort());
		const rollVersions = await sql<{ user_id: string; xmin: string }>`
			select user_id, xmin::text as xmin from poll_voters where poll_id = ${poll.id} order by ctid
		`.execute(db);
		expect(rollVersions.rows.map((r) => r.user_id)).toEqual(roll.map((r) => r.user_id).sort());
		const transactions = new Set([...physical.rows, ...rollVersions.rows].map((r) => r.xmin));
		expect(transactions.size).toBe(1);
		// The key the operator would need is gone: recomputing with a guess of the right shape finds nothing.
		expect(keys).not.toContain(anonymousBallotKey(Buffer.alloc(32), poll.id, roll[0].user_id));
	});

	it('counts a member once when two of their sockets vote at once, and lets them change their vote while the poll is open', async () => {
		const poll = await anonymousPoll();
		const member = participants[5];
		const [one, two] = [await joined(member), await joined(member)];
		const acks = await Promise.all(
			Array.from({ length: 10 }, (_, i) => send(i % 2 ? one : two, 'poll:vote', { pollId: poll.id, choice: poll.options[i % 3].id }))
		);
		for (const ack of acks) expect(ack).toEqual({ ok: true });
		const db = app.context.db;
		expect(await db.selectFrom('poll_voters').selectAll().where('poll_id', '=', poll.id).execute()).toHaveLength(1);
		expect(await db.selectFrom('poll_ballots').selectAll().where('poll_id', '=', poll.id).execute()).toHaveLength(1);
		await vote(two, poll.id, 'Salute');
		expect((await liveView(member, poll.id)).myBallot).toEqual({ kind: 'single', option: poll.options[1].id });
		expect((await moderator.post(`/api/v1/polls/${poll.id}/close`)).status).toBe(200);
		const results = (await member.get(`/api/v1/polls/${poll.id}/results`)).body;
		expect(results.voters).toBe(1);
		expect(results.results.map((r: { count: number }) => r.count)).toEqual([0, 1, 0]);
	});

	it("publishes an anonymous poll's counts only in batches, and the final counts at the close", async () => {
		const poll = await anonymousPoll();
		const watcher = await joined(observer);
		const published = record(watcher, 'poll:results');
		const closed = record(watcher, 'poll:closed');
		const voterSockets = await Promise.all(participants.slice(0, batch + 1).map(joined));

		// batch - 1 ballots: the room, the facilitators and the API still show the counts before them.
		for (let i = 0; i < batch - 1; i += 1) await vote(voterSockets[i], poll.id, 'Lavoro');
		for (const client of [participants[0], moderator]) {
			const shown = (await client.get(`/api/v1/polls/${poll.id}/results`)).body;
			expect(shown.voters).toBe(0);
			expect(shown.results.map((r: { count: number }) => r.count)).toEqual([0, 0, 0]);
		}
		const before = await liveView(observer, poll.id);
		expect(before.results!.voters).toBe(0);
		// Turnout is no secret: the roll's count is shown as people vote.
		expect(before.voters).toBe(batch - 1);

		// The batch's last ballot publishes them all at once.
		await vote(voterSockets[batch - 1], poll.id, 'Salute');
		await waitUntil(() => published.find((e) => e.pollId === poll.id), 10_000, 'the batch of counts');
		const first = published.find((e) => e.pollId === poll.id)!;
		expect(first.results.voters).toBe(batch);
		expect(first.results.results.map((r) => r.count)).toEqual([batch - 1, 1, 0]);
		expect((await participants[0].get(`/api/v1/polls/${poll.id}/results`)).body.voters).toBe(batch);

		// One more ballot is held back; the close publishes the final counts at once.
		await vote(voterSockets[batch], poll.id, 'Lingua');
		expect((await participants[0].get(`/api/v1/polls/${poll.id}/results`)).body.voters).toBe(batch);
		expect((await moderator.post(`/api/v1/polls/${poll.id}/close`)).status).toBe(200);
		await waitUntil(() => closed.find((e) => e.poll.id === poll.id), 10_000, 'poll:closed');
		const final = closed.find((e) => e.poll.id === poll.id)!;
		expect(final.results!.voters).toBe(batch + 1);
		expect(final.results!.results.map((r) => r.count)).toEqual([batch - 1, 1, 1]);
		expect(published.filter((e) => e.pollId === poll.id).every((e) => e.results.voters % batch === 0)).toBe(true);
	});

	it('keeps a vote whose key was lost (a restart without Redis) and refuses to change it, in Italian', async () => {
		const poll = await anonymousPoll();
		const [early, late] = [await joined(participants[6]), await joined(participants[7])];
		await vote(early, poll.id, 'Lavoro');
		// What a restart without Redis loses: the process's copy of the key.
		await app.context.votes.keys.erase(poll.id);
		const refused = await send(early, 'poll:vote', { pollId: poll.id, choice: 'Salute' });
		expect(refused).toMatchObject({ ok: false, error: { code: 'poll_vote_sealed' } });
		expect((refused as { error: { message: string } }).error.message).toMatch(/non si può più cambiare/);
		const http = await participants[6].post(`/api/v1/polls/${poll.id}/vote`, { choice: 'Salute' });
		expect(http.status).toBe(409);
		expect(http.body.error.code).toBe('poll_vote_sealed');
		// Members who had not voted still can, and can change their vote under the new key.
		await vote(late, poll.id, 'Salute');
		await vote(late, poll.id, 'Lingua');
		const sealed = await liveView(participants[6], poll.id);
		expect(sealed.myBallot).toBeNull();
		expect(sealed.hasVoted).toBe(true);
		expect((await liveView(participants[7], poll.id)).myBallot).toEqual({ kind: 'single', option: poll.options[2].id });
		expect((await moderator.post(`/api/v1/polls/${poll.id}/close`)).status).toBe(200);
		const results = (await participants[6].get(`/api/v1/polls/${poll.id}/results`)).body;
		expect(results.voters).toBe(2);
		expect(results.results.map((r: { count: number }) => r.count)).toEqual([1, 0, 1]);
	});
});

describe('a restart without Redis', () => {
	let port: number;
	let dataDir: string;
	let database: Awaited<ReturnType<typeof createTestDatabase>>;
	let server: ServerProcess;

	const start = async () => {
		server = await startServerProcess({ port, env: { TAVOLO_DATA_DIR: dataDir, ...(database.url ? { DATABASE_URL: database.url } : {}) } });
	};

	beforeAll(async () => {
		port = await freePort();
		dataDir = await mkdtemp(path.join(tmpdir(), 'tavolo-ballots-'));
		database = await createTestDatabase();
		if (!database.url) await copyPgliteTemplate(dataDir);
		await start();
	});

	afterAll(async () => {
		await killAllServerProcesses();
		await database?.drop();
		if (dataDir) await rm(dataDir, { recursive: true, force: true });
	});

	it('keeps the ballots cast before it, refuses to change them, and lets the others vote', async () => {
		const coordinator = new ApiClient(server.url);
		await coordinator.signUp('coordinatrice@riavvio.example', 'Giulia');
		const tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
		const meeting = (
			await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Voto dopo il riavvio',
				startsAt: '2027-03-10T15:00:00+01:00',
				endsAt: '2027-03-10T17:00:00+01:00'
			})
		).body.id as string;
		const invitation = await coordinator.post(`/api/v1/tables/${tableId}/invitations`, { role: 'participant', maxUses: 2 });
		const [before, after] = [new ApiClient(server.url), new ApiClient(server.url)];
		for (const [i, client] of [before, after].entries()) {
			await client.signUp(`votante${i}@riavvio.example`);
			expect((await client.post(`/api/v1/invitations/${invitation.body.token}/accept`)).status).toBeLessThan(300);
		}
		const poll = (
			await coordinator.post(`/api/v1/meetings/${meeting}/polls`, {
				question: 'Approviamo?',
				kind: 'yesno',
				anonymous: true,
				resultsVisible: 'live'
			})
		).body as { id: string };
		expect((await coordinator.post(`/api/v1/polls/${poll.id}/open`)).status).toBe(200);
		const socket = await connectSocket(server.url, before.sessionCookie);
		expect((await send(socket, 'meeting:join', { meetingId: meeting })).ok).toBe(true);
		expect(await send(socket, 'poll:vote', { pollId: poll.id, choice: 'yes' })).toEqual({ ok: true });
		socket.close();

		// A graceful stop: the key was only in that process.
		await server.kill('SIGTERM');
		await start();

		const changed = await before.post(`/api/v1/polls/${poll.id}/vote`, { choice: 'no' });
		expect(changed.status).toBe(409);
		expect(changed.body.error.code).toBe('poll_vote_sealed');
		expect((await after.post(`/api/v1/polls/${poll.id}/vote`, { choice: 'no' })).status).toBe(200);
		expect((await after.post(`/api/v1/polls/${poll.id}/vote`, { choice: 'abstain' })).status).toBe(200);
		const live = (await before.get(`/api/v1/meetings/${meeting}/live`)).body.polls.find(
			(p: { poll: { id: string } }) => p.poll.id === poll.id
		);
		expect(live).toMatchObject({ myBallot: null, hasVoted: true, voters: 2 });
		expect((await coordinator.post(`/api/v1/polls/${poll.id}/close`)).status).toBe(200);
		const results = (await before.get(`/api/v1/polls/${poll.id}/results`)).body;
		expect(results.voters).toBe(2);
		expect(results.results.map((r: { id: string; count: number }) => [r.id, r.count])).toEqual([
			['yes', 1],
			['no', 0],
			['abstain', 1]
		]);
	});
});
