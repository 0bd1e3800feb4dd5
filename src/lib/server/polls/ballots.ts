/**
 * How ballots are stored: the batch writer behind the vote batcher (recordVotes), the ballot keys
 * that make each member count once, and the reshuffle that unlinks an anonymous poll's ballots
 * from the order people voted in. The poll services (polls/service.ts) open, close and tally.
 */
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Db } from '../db/connect.ts';
import type { PollRow } from '../db/schema.ts';
import { AppError, isAppError } from '../errors.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { can, tablePolicy, type Actor } from '../authz/policy.ts';
import { normalizeChoice } from './choice.ts';

/** One member's vote, waiting to be written with the others of its poll (see recordVotes). */
export interface VoteRequest {
	user: SessionUser;
	choice: unknown;
}

/** What became of one vote of a batch: stored (committed), or refused with the error to answer. */
export type VoteOutcome = { ok: true } | { ok: false; error: unknown };

/**
 * What a batch needs to know of an open poll. Fixed while it stays open: kind, options and
 * anonymity are fixed once a poll leaves draft, and the ballot secret changes only when the poll
 * closes (it never reopens), which every write re-checks. So a batcher may keep it (see recordVotes).
 */
export type VotingRules = Pick<PollRow, 'id' | 'kind' | 'anonymous' | 'ballot_secret' | 'max_choices' | 'dots'> & {
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
 *    checked (again), "has voted" is a unique (poll, user) row, and the ballot is upserted on
 *    (poll, ballot_key). A member who voted twice in the batch is written once, with the later
 *    vote, as if the two had come one by one.
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
	rules?: Map<string, VotingRules>
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
				ballot_key: open.anonymous ? anonymousBallotKey(open, user.id) : user.id,
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
		return before === null ? { ok: true } : refuse(before);
	});
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
			'polls.ballot_secret',
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

/** The batch's one statement (see recordVotes). */
async function writeBallots(db: Db, pollId: string, tableId: string, rows: BallotRow[]): Promise<WriteResult> {
	const votingRoles = sql.join(tablePolicy['poll.vote'].map((role) => sql`${role}`));
	const { rows: result } = await sql<{ found: boolean; open: number; eligible: string[] | null }>`
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
			insert into poll_voters (poll_id, user_id) select ${pollId}, user_id from written
			on conflict do nothing
		),
		ballot as (
			insert into poll_ballots (poll_id, ballot_key, user_id, choice) select ${pollId}, ballot_key, ballot_user_id, choice from written
			on conflict (poll_id, ballot_key) do update set choice = excluded.choice
		)
		select exists (select 1 from polls where id = ${pollId}) as found, (select count(*) from open_poll) as open,
			(select json_agg(user_id) from eligible) as eligible
	`.execute(db);
	const [row] = result;
	return { found: row.found, open: Number(row.open) > 0, eligible: new Set(row.eligible ?? []) };
}

/**
 * HMAC-SHA256(poll's ballot secret, user id): stable while the poll is open, so a changed vote
 * replaces the old ballot; unlinkable once the secret is erased at close.
 */
function anonymousBallotKey(poll: Pick<PollRow, 'id' | 'ballot_secret'>, userId: string): string {
	if (!poll.ballot_secret) throw new Error(`anonymous poll ${poll.id} is open without a ballot secret`);
	return createHmac('sha256', Buffer.from(poll.ballot_secret)).update(`${poll.id}:${userId}`).digest('base64url');
}

/**
 * Rewrites an anonymous poll's ballots in key order, so the order rows were stored in (which
 * follows the order people voted, like poll_voters) no longer hints who cast which ballot.
 * Limit: the old row versions stay in PostgreSQL's heap until VACUUM and in its WAL.
 */
export async function reshuffleBallots(db: Db, pollId: string): Promise<void> {
	const ballots = await db.selectFrom('poll_ballots').selectAll().where('poll_id', '=', pollId).orderBy('ballot_key').execute();
	await db.deleteFrom('poll_ballots').where('poll_id', '=', pollId).execute();
	for (let i = 0; i < ballots.length; i += 500) {
		await db
			.insertInto('poll_ballots')
			.values(ballots.slice(i, i + 500))
			.execute();
	}
}
