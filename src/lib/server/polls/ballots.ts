/**
 * How ballots are stored: the batch writer behind the vote batcher (recordVotes), the roll of who
 * has voted that makes each member count once, and the rewrite at close that unlinks an anonymous
 * poll's ballots from the order and transactions people voted in. The poll services
 * (polls/service.ts) open, close and tally; polls/ballot-keys.ts keeps the anonymous ballot keys.
 */
import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Db } from '../db/connect.ts';
import type { PollRow } from '../db/schema.ts';
import { AppError, isAppError } from '../errors.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { can, tablePolicy, type Actor } from '../authz/policy.ts';
import { normalizeChoice } from './choice.ts';
import type { Ballot } from '../../polls/tally.ts';
import { anonymousBallotKey, memoryBallotKeys, type BallotKeys } from './ballot-keys.ts';

/** One member's vote, waiting to be written with the others of its poll (see recordVotes). */
export interface VoteRequest {
	user: SessionUser;
	choice: unknown;
}

/**
 * What became of one vote of a batch: stored (committed; `anonymous` says whether the poll's
 * counts are published in batches), or refused with the error to answer.
 */
export type VoteOutcome = { ok: true; anonymous: boolean } | { ok: false; error: unknown };

/**
 * What a batch needs to know of an open poll. Fixed while it stays open: kind, options and
 * anonymity are fixed once a poll leaves draft, and it never reopens once closed, which every
 * write re-checks. So a batcher may keep it (see recordVotes).
 */
export type VotingRules = Pick<PollRow, 'id' | 'kind' | 'anonymous' | 'max_choices' | 'dots'> & {
	table_id: string;
	options: Array<{ id: string; label: string }>;
};

/**
 * Validates and writes a batch of votes on one poll (a burst of hundreds of votes on ten pooled
 * connections used to queue on PostgreSQL's commits, one per vote, all locking the same poll row):
 *
 * 1. unless `rules` holds the poll (it does once a batch found it open), one read: the poll, its
 *    options (in order) and the role on the table of every member in the batch;
 * 2. one statement that writes only if the poll is still open: the poll row is locked FOR SHARE
 *    within the statement (so a close waits for it, and a batch racing a close sees `closed` and
 *    writes nothing: every vote of it is refused with `poll_not_open`), each member's role is
 *    checked (again), and "has voted" is a unique (poll, user) row of the roll (poll_voters). A
 *    ballot is inserted only for a member this statement put on the roll, and otherwise only
 *    replaces the ballot stored under the same key (a changed vote): so the database, whatever
 *    the keys, never holds more ballots than voters. A member who voted twice in the batch is
 *    written once, with the later vote, as if the two had come one by one.
 *
 * Anonymous ballots are keyed by HMAC(`keys`' key of the poll, `poll:user`). A member on the roll
 * whose ballot is under a key that is gone (a restart without Redis) cannot change it: the vote
 * stands and is refused with `poll_vote_sealed`.
 *
 * Each vote is refused as a single vote is, checked in this order: `not_found`, `forbidden`,
 * `poll_not_open`, then the choice itself. A member removed before the write is refused with
 * `forbidden`. If the statement fails (say a voter's account was deleted meanwhile), nothing of the
 * batch was written, and its members are written again one at a time, so only the ones at fault
 * are refused. Never rejects: each vote gets its own outcome, `ok` only once committed.
 */
export async function recordVotes(
	db: Db,
	pollId: string,
	votes: readonly VoteRequest[],
	rules?: Map<string, VotingRules>,
	keys: BallotKeys = memoryBallotKeys()
): Promise<VoteOutcome[]> {
	const refuse = (error: unknown): VoteOutcome => ({ ok: false, error });
	let poll = rules?.get(pollId);
	/** Known only after a read; with cached rules the statement alone checks the roles. */
	let roles: Map<string, string> | undefined;
	if (!poll) {
		let read;
		try {
			read = await readPollForVotes(db, pollId, [...new Set(votes.map((v) => v.user.id))]);
		} catch (error) {
			return votes.map(() => refuse(error));
		}
		if (!read) return votes.map(() => refuse(new AppError('not_found')));
		const { status, roles: members, ...rest } = read;
		poll = rest;
		roles = new Map(members.map((r) => [r.user_id, r.role]));
		if (status === 'open') rules?.set(pollId, poll);
		else
			return votes.map(({ user }) =>
				refuse(
					new AppError(
						can({ isAdmin: user.isAdmin, role: (roles!.get(user.id) as Actor['role']) ?? null }, 'poll.vote')
							? 'poll_not_open'
							: 'forbidden'
					)
				)
			);
	}
	const open = poll;
	let key: Buffer | null = null;
	if (open.anonymous) {
		try {
			key = await keys.obtain(pollId);
		} catch (error) {
			return votes.map(() => refuse(error));
		}
	}

	/** Each vote's refusal found before the statement (its role after a read, its choice), or null. */
	const early: unknown[] = [];
	const rows = new Map<string, BallotRow>();
	votes.forEach(({ user, choice }, index) => {
		try {
			if (roles && !can({ isAdmin: user.isAdmin, role: (roles.get(user.id) as Actor['role']) ?? null }, 'poll.vote')) {
				early[index] = new AppError('forbidden');
				return;
			}
			const ballot = normalizeChoice({ kind: open.kind, options: open.options, maxChoices: open.max_choices, dots: open.dots }, choice);
			rows.set(user.id, {
				user_id: user.id,
				admin: user.isAdmin,
				write: true,
				ballot_key: key ? anonymousBallotKey(key, pollId, user.id) : user.id,
				ballot_user_id: open.anonymous ? null : user.id,
				choice: JSON.stringify(ballot)
			});
			early[index] = null;
		} catch (error) {
			early[index] = error;
			// Without a read, the statement still has to tell whether this member may vote at all.
			if (!roles && !rows.has(user.id))
				rows.set(user.id, { user_id: user.id, admin: user.isAdmin, write: false, ballot_key: null, ballot_user_id: null, choice: null });
		}
	});

	const written = new Map<string, WriteResult | { error: unknown }>();
	const store = async (part: BallotRow[]) => {
		const result = await writeBallots(db, pollId, open.table_id, part);
		for (const row of part) written.set(row.user_id, result);
		if (!result.open) rules?.delete(pollId);
	};
	if (rows.size > 0) {
		try {
			await store([...rows.values()]);
		} catch (error) {
			if (rows.size === 1) for (const row of rows.values()) written.set(row.user_id, { error });
			else {
				for (const row of rows.values()) {
					await store([row]).catch((single: unknown) => void written.set(row.user_id, { error: single }));
				}
			}
		}
		// A member found on the roll without a ballot under their key: either their first ballot was
		// committed by another node after this statement's snapshot (written again, it is replaced),
		// or it is under a key that is gone (still sealed: refused).
		const again = [...rows.values()].filter((row) => {
			const result = written.get(row.user_id);
			return result && !('error' in result) && result.sealed.has(row.user_id);
		});
		if (again.length > 0) {
			await store(again).catch((error: unknown) => {
				for (const row of again) written.set(row.user_id, { error });
			});
		}
	}

	return votes.map(({ user }, index) => {
		const before = early[index];
		if (isAppError(before) && roles) return refuse(before);
		const result = written.get(user.id);
		if (!result) return refuse(before);
		if ('error' in result) return refuse(result.error);
		if (!result.found) return refuse(new AppError('not_found'));
		if (!result.eligible.has(user.id)) return refuse(new AppError('forbidden'));
		if (!result.open) return refuse(new AppError('poll_not_open'));
		if (result.sealed.has(user.id)) return refuse(new AppError('poll_vote_sealed'));
		return before === null ? { ok: true, anonymous: open.anonymous } : refuse(before);
	});
}

/**
 * One member's own ballots on `polls` (GET /live's `myBallot`) and whether they voted at all.
 * An anonymous ballot is found through the poll's key while it exists: after the close, or once
 * the key is lost, nothing in the database tells which ballot is the member's, so it is null.
 */
export async function readOwnBallots(
	db: Db,
	keys: BallotKeys,
	userId: string,
	polls: ReadonlyArray<Pick<PollRow, 'id' | 'anonymous' | 'status'>>
): Promise<Map<string, { myBallot: Ballot | null; hasVoted: boolean }>> {
	const ids = polls.filter((p) => p.status !== 'draft').map((p) => p.id);
	const own = new Map<string, { myBallot: Ballot | null; hasVoted: boolean }>();
	if (ids.length === 0) return own;
	const wanted: Array<{ pollId: string; key: string }> = [];
	for (const poll of polls) {
		if (poll.status === 'draft') continue;
		if (!poll.anonymous) wanted.push({ pollId: poll.id, key: userId });
		else if (poll.status === 'open') {
			const key = await keys.find(poll.id);
			if (key) wanted.push({ pollId: poll.id, key: anonymousBallotKey(key, poll.id, userId) });
		}
	}
	const [roll, ballots] = await Promise.all([
		db.selectFrom('poll_voters').select('poll_id').where('user_id', '=', userId).where('poll_id', 'in', ids).execute(),
		wanted.length === 0
			? []
			: db
					.selectFrom('poll_ballots')
					.select(['poll_id', 'choice'])
					.where((eb) => eb.or(wanted.map((w) => eb.and([eb('poll_id', '=', w.pollId), eb('ballot_key', '=', w.key)]))))
					.execute()
	]);
	const voted = new Set(roll.map((r) => r.poll_id));
	const choices = new Map(ballots.map((b) => [b.poll_id, JSON.parse(b.choice) as Ballot]));
	for (const id of ids) own.set(id, { myBallot: choices.get(id) ?? null, hasVoted: voted.has(id) });
	return own;
}

/** One member's row in the batch statement (all travel as one JSON array). */
interface BallotRow {
	user_id: string;
	/** Admins may vote without a membership (authz policy): the role check passes them. */
	admin: boolean;
	/** False for a member whose every vote in the batch was refused: only their role is checked. */
	write: boolean;
	ballot_key: string | null;
	/** Null on anonymous polls: the ballot names no one. */
	ballot_user_id: string | null;
	choice: string | null;
}

interface WriteResult {
	/** The poll still exists. */
	found: boolean;
	/** It was open, so the ballots of the eligible members were written. */
	open: boolean;
	/** The members of the batch who may vote on the poll's table. */
	eligible: Set<string>;
	/** Members already on the roll with no ballot under the key they sent: nothing was written for them. */
	sealed: Set<string>;
}

/** The poll, its options in order and the roles of `userIds` on its table, in one query. */
async function readPollForVotes(db: Db, pollId: string, userIds: string[]) {
	return db
		.selectFrom('polls')
		.innerJoin('meetings', 'meetings.id', 'polls.meeting_id')
		.select([
			'polls.id',
			'polls.kind',
			'polls.status',
			'polls.anonymous',
			'polls.max_choices',
			'polls.dots',
			'meetings.table_id',
			(eb) =>
				jsonArrayFrom(
					eb
						.selectFrom('poll_options')
						.select(['poll_options.id', 'poll_options.label'])
						.whereRef('poll_options.poll_id', '=', 'polls.id')
						.orderBy('poll_options.position')
				).as('options'),
			(eb) =>
				jsonArrayFrom(
					eb
						.selectFrom('memberships')
						.select(['memberships.user_id', 'memberships.role'])
						.whereRef('memberships.table_id', '=', 'meetings.table_id')
						.where('memberships.user_id', 'in', userIds)
				).as('roles')
		])
		.where('polls.id', '=', pollId)
		.executeTakeFirst();
}

/**
 * The batch's one statement (see recordVotes). The roll is written in user order and the ballots
 * in key order (random for anonymous polls), so a batch's rows do not sit in the same order in both
 * tables; the rewrite at close (unlinkBallots) takes away what is left of the arrival order.
 */
async function writeBallots(db: Db, pollId: string, tableId: string, rows: BallotRow[]): Promise<WriteResult> {
	const votingRoles = sql.join(tablePolicy['poll.vote'].map((role) => sql`${role}`));
	const { rows: result } = await sql<{ found: boolean; open: number; eligible: string[] | null; sealed: string[] | null }>`
		with open_poll as (select id from polls where id = ${pollId} and status = 'open' for share),
		batch as (
			select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
				as b(user_id text, admin boolean, write boolean, ballot_key text, ballot_user_id text, choice text)
		),
		eligible as (
			select batch.* from batch where batch.admin or exists (
				select 1 from memberships m where m.table_id = ${tableId} and m.user_id = batch.user_id and m.role in (${votingRoles})
			)
		),
		written as (select eligible.* from eligible, open_poll where eligible.write),
		voter as (
			insert into poll_voters (poll_id, user_id) select ${pollId}, user_id from written order by user_id
			on conflict do nothing
			returning user_id
		),
		ballot as (
			insert into poll_ballots (poll_id, ballot_key, user_id, choice)
			select ${pollId}, ballot_key, ballot_user_id, choice from written where user_id in (select user_id from voter)
			order by ballot_key
		),
		changed as (
			update poll_ballots set choice = written.choice from written
			where poll_ballots.poll_id = ${pollId} and poll_ballots.ballot_key = written.ballot_key
				and written.user_id not in (select user_id from voter)
			returning written.user_id
		)
		select exists (select 1 from polls where id = ${pollId}) as found, (select count(*) from open_poll) as open,
			(select json_agg(user_id) from eligible) as eligible,
			(select json_agg(user_id) from written where user_id not in (select user_id from voter)
				and user_id not in (select user_id from changed)) as sealed
	`.execute(db);
	const [row] = result;
	return { found: row.found, open: Number(row.open) > 0, eligible: new Set(row.eligible ?? []), sealed: new Set(row.sealed ?? []) };
}

/**
 * Rewrites an anonymous poll's roll and ballots at close, each in its own order (roll by user,
 * ballots by key), in the closing transaction: the live rows then carry neither the order people
 * voted in nor the transaction each vote was written in (a roll row and its ballot were written by
 * the same one, which PostgreSQL records in every row version as xmin). The old row versions stay
 * in the heap until VACUUM (see vacuumBallots) and in the WAL: docs/api.md says what that leaves.
 */
export async function unlinkBallots(db: Db, pollId: string): Promise<void> {
	const ballots = await db.selectFrom('poll_ballots').selectAll().where('poll_id', '=', pollId).orderBy('ballot_key').execute();
	const voters = await db.selectFrom('poll_voters').selectAll().where('poll_id', '=', pollId).orderBy('user_id').execute();
	await db.deleteFrom('poll_ballots').where('poll_id', '=', pollId).execute();
	await db.deleteFrom('poll_voters').where('poll_id', '=', pollId).execute();
	for (let i = 0; i < voters.length; i += 500) {
		await db
			.insertInto('poll_voters')
			.values(voters.slice(i, i + 500))
			.execute();
	}
	for (let i = 0; i < ballots.length; i += 500) {
		await db
			.insertInto('poll_ballots')
			.values(ballots.slice(i, i + 500))
			.execute();
	}
}

/**
 * After a close: VACUUM prunes the old row versions of the roll and the ballots (which still carry
 * the vote's transaction) so they can no longer be read back with pageinspect. Best effort: a
 * transaction older than the close keeps them until the next (auto)vacuum.
 */
export async function vacuumBallots(db: Db): Promise<void> {
	await sql`vacuum poll_ballots, poll_voters`.execute(db);
}
