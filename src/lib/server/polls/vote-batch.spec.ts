import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { KyselyPlugin } from 'kysely';
import { openTestDatabase } from '../../../../tests/support/database-context.ts';
import type { DatabaseHandle, Db } from '../db/connect.ts';
import { AppError, isAppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import type { TableRole } from '../../domain/tables.ts';
import { closePoll, createPoll, openPoll } from './service.ts';
import { recordVotes, type VoteOutcome, type VoteRequest } from './ballots.ts';
import { createVoteBatcher } from './vote-batcher.ts';
import { anonymousBallotKey, memoryBallotKeys } from './ballot-keys.ts';
import { noMeetingRooms } from '../live/broadcaster.ts';
import type { LiveDeps } from '../live/deps.ts';
import { noLiveDocuments } from '../live-documents.ts';

/** `it` in the PostgreSQL pass (DATABASE_URL); not registered at all on PGlite. */
const onPostgres = (name: string, test: () => Promise<void>) => {
	if (process.env.DATABASE_URL) it(name, test);
};

/**
 * Votes written in batches (group commit per poll), on a real migrated database: in-memory
 * PGlite, or a fresh PostgreSQL database when DATABASE_URL is set (the races with a close need
 * PostgreSQL's concurrency to mean anything, and wait on its locks).
 */
let database: DatabaseHandle & { dispose(): Promise<void> };
let db: Db;
let tableId: string;
let meetingId: string;
let admin: SessionUser;

async function person(role: TableRole | null): Promise<SessionUser> {
	const user = { id: newId(), email: `${newId(6)}@votes.example`, name: 'Votante', isAdmin: false, emailVerified: true };
	await db.insertInto('users').values({ id: user.id, email: user.email, name: user.name, password_hash: 'x' }).execute();
	if (role)
		await db.insertInto('memberships').values({ id: newId(), table_id: tableId, user_id: user.id, role, category_id: null }).execute();
	return user;
}

/** The poll services as a process without meeting rooms runs them: nothing to broadcast, no open documents. */
function liveDeps(): LiveDeps {
	return { db, logger: console, broadcaster: noMeetingRooms, votes: createVoteBatcher({ db }), liveDocuments: noLiveDocuments };
}

async function openYesNo(anonymous = false): Promise<string> {
	const poll = await createPoll(liveDeps(), admin, meetingId, { question: 'Approviamo?', kind: 'yesno', anonymous });
	await openPoll(liveDeps(), admin, poll.id);
	return poll.id;
}

async function ballotsOf(pollId: string) {
	const voters = await db.selectFrom('poll_voters').select('user_id').where('poll_id', '=', pollId).execute();
	const ballots = await db.selectFrom('poll_ballots').select(['ballot_key', 'user_id', 'choice']).where('poll_id', '=', pollId).execute();
	return { voters: voters.map((v) => v.user_id).sort(), ballots };
}

const codeOf = (outcome: VoteOutcome) => (outcome.ok ? 'ok' : isAppError(outcome.error) ? outcome.error.code : 'error');

beforeAll(async () => {
	database = await openTestDatabase();
	db = database.db;
	admin = { id: newId(), email: 'admin@votes.example', name: 'Admin', isAdmin: true, emailVerified: true };
	await db.insertInto('users').values({ id: admin.id, email: admin.email, name: admin.name, password_hash: 'x', is_admin: true }).execute();
	const programme = await db.selectFrom('programmes').select('id').executeTakeFirstOrThrow();
	tableId = newId();
	await db.insertInto('tables').values({ id: tableId, programme_id: programme.id, name: 'Tavolo', territory: 'Città' }).execute();
	meetingId = newId();
	await db
		.insertInto('meetings')
		.values({
			id: meetingId,
			table_id: tableId,
			title: 'Incontro',
			starts_at: new Date('2030-01-10T14:00:00Z'),
			ends_at: new Date('2030-01-10T16:00:00Z'),
			video_url: null,
			created_by: null
		})
		.execute();
});

afterAll(async () => {
	await database?.dispose();
});

describe('recordVotes', () => {
	it('counts the later vote of a member who votes twice in one batch, on open and anonymous polls', async () => {
		for (const anonymous of [false, true]) {
			const pollId = await openYesNo(anonymous);
			const [anna, bruno] = [await person('participant'), await person('moderator')];
			const outcomes = await recordVotes(db, pollId, [
				{ user: anna, choice: 'yes' },
				{ user: bruno, choice: 'no' },
				{ user: anna, choice: 'Contrario' }
			]);
			expect(outcomes.map(codeOf)).toEqual(['ok', 'ok', 'ok']);
			const { voters, ballots } = await ballotsOf(pollId);
			expect(voters).toEqual([anna.id, bruno.id].sort());
			expect(ballots).toHaveLength(2);
			expect(ballots.map((b) => JSON.parse(b.choice))).toEqual([
				{ kind: 'yesno', option: 'no' },
				{ kind: 'yesno', option: 'no' }
			]);
			// Anonymous ballots are keyed by the HMAC and name no one.
			if (anonymous) expect(ballots.every((b) => b.user_id === null && b.ballot_key !== anna.id && b.ballot_key !== bruno.id)).toBe(true);
			else expect(ballots.map((b) => b.ballot_key).sort()).toEqual([anna.id, bruno.id].sort());
		}
	});

	it('keeps one ballot per member in the database even when two nodes hold different ballot keys', async () => {
		// Two processes without a shared key (say, before and after a restart, or a misconfigured
		// pair of nodes) send the same members' votes at once: the roll, not the key, decides.
		const pollId = await openYesNo(true);
		const people = await Promise.all(Array.from({ length: 6 }, () => person('participant')));
		const [first, second] = [memoryBallotKeys(), memoryBallotKeys()];
		const rounds = await Promise.all([
			recordVotes(
				db,
				pollId,
				people.map((user) => ({ user, choice: 'yes' })),
				undefined,
				first
			),
			recordVotes(
				db,
				pollId,
				people.map((user) => ({ user, choice: 'no' })),
				undefined,
				second
			),
			...people.map((user) => recordVotes(db, pollId, [{ user, choice: 'abstain' }], undefined, second))
		]);
		const { voters, ballots } = await ballotsOf(pollId);
		expect(voters).toEqual(people.map((p) => p.id).sort());
		expect(ballots).toHaveLength(people.length);
		// Every member's votes were either stored or refused as sealed (their ballot is under the other key).
		for (const outcome of rounds.flat()) expect(['ok', 'poll_vote_sealed']).toContain(codeOf(outcome));
		// Once the key is gone, a member on the roll keeps their ballot and cannot change it; a new voter can vote.
		const lost = memoryBallotKeys();
		const [late] = [await person('participant')];
		const after = await recordVotes(
			db,
			pollId,
			[
				{ user: people[0], choice: 'abstain' },
				{ user: late, choice: 'yes' }
			],
			undefined,
			lost
		);
		expect(after.map(codeOf)).toEqual(['poll_vote_sealed', 'ok']);
		expect((await ballotsOf(pollId)).ballots).toHaveLength(people.length + 1);
		// A changed vote under the same key replaces the ballot.
		const changed = await recordVotes(db, pollId, [{ user: late, choice: 'no' }], undefined, lost);
		expect(changed.map(codeOf)).toEqual(['ok']);
		const key = anonymousBallotKey((await lost.find(pollId))!, pollId, late.id);
		const stored = await db
			.selectFrom('poll_ballots')
			.select('choice')
			.where('poll_id', '=', pollId)
			.where('ballot_key', '=', key)
			.execute();
		expect(stored.map((b) => JSON.parse(b.choice))).toEqual([{ kind: 'yesno', option: 'no' }]);
	});

	it('refuses each vote of a batch as it would refuse it alone, and stores the others', async () => {
		const pollId = await openYesNo();
		const [voter, observer, outsider, late] = [
			await person('participant'),
			await person('observer'),
			await person(null),
			await person('coordinator')
		];
		const outcomes = await recordVotes(db, pollId, [
			{ user: voter, choice: 'yes' },
			{ user: observer, choice: 'yes' },
			{ user: outsider, choice: 'yes' },
			{ user: late, choice: 'perhaps' },
			{ user: admin, choice: 'abstain' }
		]);
		expect(outcomes.map(codeOf)).toEqual(['ok', 'forbidden', 'forbidden', 'poll_unknown_option', 'ok']);
		expect((await ballotsOf(pollId)).voters).toEqual([voter.id, admin.id].sort());

		// A member's valid vote stands when their later one in the same batch is refused.
		const again = await recordVotes(db, pollId, [
			{ user: late, choice: 'no' },
			{ user: late, choice: ['no', 'yes'] }
		]);
		expect(again.map(codeOf)).toEqual(['ok', 'poll_invalid_choice']);

		expect((await recordVotes(db, 'nonexistent', [{ user: voter, choice: 'yes' }])).map(codeOf)).toEqual(['not_found']);
		const draft = await createPoll(liveDeps(), admin, meetingId, { question: 'Bozza', kind: 'yesno' });
		// Not a member comes before "not open", as for a single vote.
		expect(
			(
				await recordVotes(db, draft.id, [
					{ user: voter, choice: 'yes' },
					{ user: outsider, choice: 'yes' }
				])
			).map(codeOf)
		).toEqual(['poll_not_open', 'forbidden']);
	});

	it("refuses the same way, in the same order, with an open poll's rules kept from an earlier batch", async () => {
		const pollId = await openYesNo();
		const [voter, observer, outsider, late, removed] = [
			await person('participant'),
			await person('observer'),
			await person(null),
			await person('coordinator'),
			await person('participant')
		];
		const rules = new Map();
		expect((await recordVotes(db, pollId, [{ user: voter, choice: 'yes' }], rules)).map(codeOf)).toEqual(['ok']);
		expect(rules.has(pollId)).toBe(true);
		await db.deleteFrom('memberships').where('user_id', '=', removed.id).execute();
		const outcomes = await recordVotes(
			db,
			pollId,
			[
				{ user: voter, choice: 'no' },
				{ user: observer, choice: 'perhaps' },
				{ user: outsider, choice: 'yes' },
				{ user: late, choice: 'perhaps' },
				{ user: removed, choice: 'yes' },
				{ user: late, choice: 'abstain' },
				{ user: admin, choice: 'abstain' }
			],
			rules
		);
		expect(outcomes.map(codeOf)).toEqual(['ok', 'forbidden', 'forbidden', 'poll_unknown_option', 'forbidden', 'ok', 'ok']);
		expect((await ballotsOf(pollId)).voters).toEqual([voter.id, late.id, admin.id].sort());

		// Closed since its rules were kept: refused (a non-member still as forbidden), and forgotten.
		await closePoll(liveDeps(), admin, pollId);
		const closed = await recordVotes(
			db,
			pollId,
			[
				{ user: voter, choice: 'yes' },
				{ user: outsider, choice: 'yes' },
				{ user: late, choice: [] }
			],
			rules
		);
		expect(closed.map(codeOf)).toEqual(['poll_not_open', 'forbidden', 'poll_not_open']);
		expect(rules.has(pollId)).toBe(false);
		expect((await ballotsOf(pollId)).ballots.map((b) => JSON.parse(b.choice).option).sort()).toEqual(['abstain', 'abstain', 'no']);

		// Deleted since: not found.
		const other = await openYesNo();
		await recordVotes(db, other, [{ user: voter, choice: 'yes' }], rules);
		await db.deleteFrom('polls').where('id', '=', other).execute();
		expect((await recordVotes(db, other, [{ user: voter, choice: 'yes' }], rules)).map(codeOf)).toEqual(['not_found']);
	});

	// On PostgreSQL only: the plugin removes the membership while the read still holds its
	// connection, and PGlite has just the one. Registered only in the PostgreSQL pass of `npm test`
	// (DATABASE_URL, as CI runs it), so the PGlite pass has no skipped test.
	onPostgres('refuses a member removed between the read and the write, and only them', async () => {
		const pollId = await openYesNo();
		const [stays, leaves] = [await person('participant'), await person('participant')];
		let armed = true;
		// Runs after the batch's read returns: the membership goes before the write starts.
		const removeAfterRead: KyselyPlugin = {
			transformQuery: (args) => args.node,
			async transformResult(args) {
				if (armed) {
					armed = false;
					await db.deleteFrom('memberships').where('user_id', '=', leaves.id).execute();
				}
				return args.result;
			}
		};
		const outcomes = await recordVotes(db.withPlugin(removeAfterRead), pollId, [
			{ user: stays, choice: 'yes' },
			{ user: leaves, choice: 'no' }
		]);
		expect(outcomes.map(codeOf)).toEqual(['ok', 'forbidden']);
		expect((await ballotsOf(pollId)).voters).toEqual([stays.id]);
	});

	it('when the batch statement fails, writes the votes one by one and refuses only the one at fault', async () => {
		const pollId = await openYesNo();
		const [anna, bruno] = [await person('participant'), await person('participant')];
		// An admin whose account is gone by the write (an admin needs no membership): the
		// foreign key refuses their row, and with it the whole batch statement.
		const ghost: SessionUser = { id: newId(), email: 'ghost@votes.example', name: 'Ghost', isAdmin: true, emailVerified: true };
		const outcomes = await recordVotes(db, pollId, [
			{ user: anna, choice: 'yes' },
			{ user: ghost, choice: 'yes' },
			{ user: bruno, choice: 'no' }
		]);
		expect(outcomes.map(codeOf)).toEqual(['ok', 'error', 'ok']);
		expect((await ballotsOf(pollId)).voters).toEqual([anna.id, bruno.id].sort());
	});

	it('refuses every vote with the database error when no write gets through, and stores nothing', async () => {
		const pollId = await openYesNo();
		const voters = [await person('participant'), await person('participant')];
		const failWrites: KyselyPlugin = {
			transformQuery(args) {
				if (args.node.kind === 'RawNode') throw new Error('database unavailable');
				return args.node;
			},
			transformResult: async (args) => args.result
		};
		const outcomes = await recordVotes(
			db.withPlugin(failWrites),
			pollId,
			voters.map((user) => ({ user, choice: 'yes' }))
		);
		expect(outcomes.map((o) => !o.ok && (o.error as Error).message)).toEqual(['database unavailable', 'database unavailable']);
		expect((await ballotsOf(pollId)).voters).toEqual([]);
	});
});

describe('createVoteBatcher', () => {
	it('writes the votes of one turn of the event loop as one batch, and answers each with its own outcome', async () => {
		const pollId = await openYesNo();
		const people = await Promise.all(['participant', 'participant', 'observer', 'participant'].map((r) => person(r as TableRole)));
		const batches: number[] = [];
		const batcher = createVoteBatcher({
			db,
			write: (db, id, votes, rules) => {
				batches.push(votes.length);
				return recordVotes(db, id, votes, rules);
			}
		});
		const votes: VoteRequest[] = [
			{ user: people[0], choice: 'yes' },
			{ user: people[1], choice: 'no' },
			{ user: people[2], choice: 'yes' },
			{ user: people[0], choice: 'no' },
			{ user: people[3], choice: 'abstain' }
		];
		const settled = await Promise.allSettled(votes.map((vote) => batcher.cast(pollId, vote)));
		expect(batches).toEqual([5]);
		expect(settled.map((s) => (s.status === 'fulfilled' ? 'ok' : (s.reason as AppError).code))).toEqual([
			'ok',
			'ok',
			'forbidden',
			'ok',
			'ok'
		]);
		const { ballots } = await ballotsOf(pollId);
		expect(ballots.find((b) => b.user_id === people[0].id)?.choice).toBe(JSON.stringify({ kind: 'yesno', option: 'no' }));
		await batcher.idle();
	});

	it('splits a burst into batches of at most maxBatch, in arrival order', async () => {
		const pollId = await openYesNo();
		const people = await Promise.all(Array.from({ length: 7 }, () => person('participant')));
		const batches: string[][] = [];
		const batcher = createVoteBatcher({
			db,
			maxBatch: 3,
			write: (db, id, votes, rules) => {
				batches.push(votes.map((v) => v.user.id));
				return recordVotes(db, id, votes, rules);
			}
		});
		await Promise.all(people.map((user) => batcher.cast(pollId, { user, choice: 'yes' })));
		expect(batches.flat()).toEqual(people.map((p) => p.id));
		expect(batches.every((b) => b.length <= 3)).toBe(true);
		expect((await ballotsOf(pollId)).voters).toHaveLength(7);
	});

	it('never acknowledges a vote it did not store, and never stores one it refused, when votes race a close', async () => {
		for (let round = 0; round < 4; round++) {
			const pollId = await openYesNo(round % 2 === 1);
			const people = await Promise.all(Array.from({ length: 40 }, () => person('participant')));
			const batcher = createVoteBatcher({ db, maxBatch: 8 });
			const votes = people.map((user, i) => batcher.cast(pollId, { user, choice: i % 2 ? 'yes' : 'no' }));
			// The close lands somewhere among the batches: sooner or later each round.
			for (let i = 0; i < round; i++) await new Promise((resolve) => setImmediate(resolve));
			const closing = closePoll(liveDeps(), admin, pollId);
			const settled = await Promise.allSettled(votes);
			await closing;
			const acked = settled.filter((s) => s.status === 'fulfilled').length;
			for (const s of settled) if (s.status === 'rejected') expect((s.reason as AppError).code).toBe('poll_not_open');
			const { voters, ballots } = await ballotsOf(pollId);
			const ackedIds = people.filter((_, i) => settled[i].status === 'fulfilled').map((p) => p.id);
			expect(voters).toEqual(ackedIds.sort());
			expect(ballots).toHaveLength(acked);
		}
	});

	// On PostgreSQL only (two connections: the close holds the row while the batch waits).
	onPostgres('refuses with poll_not_open a whole batch whose write waited on a close that then committed', async () => {
		const pollId = await openYesNo();
		const people = await Promise.all(Array.from({ length: 5 }, () => person('participant')));
		// The close, by hand on its own connection, holds the poll row until it commits.
		const url = new URL(process.env.DATABASE_URL!);
		url.pathname = `/${(await db.selectNoFrom((eb) => eb.fn<string>('current_database', []).as('name')).executeTakeFirstOrThrow()).name}`;
		const closer = new pg.Client({ connectionString: url.toString() });
		await closer.connect();
		try {
			await closer.query('begin');
			await closer.query(`update polls set status = 'closed', closed_at = now() where id = $1`, [pollId]);
			const batcher = createVoteBatcher({ db });
			// The read still sees the poll open (the close is not committed); the write waits for it.
			const votes = Promise.allSettled(people.map((user) => batcher.cast(pollId, { user, choice: 'yes' })));
			const waiting = async () => {
				const { rows } = await closer.query(
					`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`
				);
				return rows[0].n > 0;
			};
			while (!(await waiting())) await new Promise((resolve) => setImmediate(resolve));
			await closer.query('commit');
			const settled = await votes;
			expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as AppError).code : 'ok'))).toEqual(people.map(() => 'poll_not_open'));
			expect((await ballotsOf(pollId)).voters).toEqual([]);
		} finally {
			await closer.end();
		}
	});
});
