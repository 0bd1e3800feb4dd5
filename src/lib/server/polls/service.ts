import { createHmac, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { PollRow } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { can, tablePolicy, type Actor } from '../authz/policy.ts';
import { accessMeeting, accessPoll } from '../authz/access.ts';
import { parseInput } from '../validation.ts';
import type { LiveDeps } from '../live/broadcaster.ts';
import { majorityRules, pollKinds, tallyPoll, yesNoOptionIds, type Ballot, type PollResults } from '../../polls/tally.ts';
import type { PollSnapshot, PollView } from '../../realtime/protocol.ts';
import { normalizeChoice } from './choice.ts';
import { auditPoll } from '../audit/service.ts';

export const pollLimits = { question: 500, optionLabel: 200, options: 50, dots: 1000, quorum: 100_000 } as const;

/** The labels of a yes/no motion (UX.md words: Favorevole · Contrario · Astenuto). */
const yesNoLabels: Record<(typeof yesNoOptionIds)[number], string> = {
	yes: 'Favorevole',
	no: 'Contrario',
	abstain: 'Astenuto'
};

export const pollInput = z
	.object({
		question: z.string().trim().min(1).max(pollLimits.question),
		kind: z.enum(pollKinds),
		options: z.array(z.string().trim().min(1).max(pollLimits.optionLabel)).max(pollLimits.options).default([]),
		anonymous: z.boolean().default(false),
		resultsVisible: z.enum(['live', 'after_close', 'hidden']).default('live'),
		maxChoices: z.number().int().min(1).max(pollLimits.options).optional(),
		dots: z.number().int().min(1).max(pollLimits.dots).optional(),
		majority: z.enum(majorityRules).optional(),
		quorum: z.number().int().min(1).max(pollLimits.quorum).optional()
	})
	.superRefine((p, ctx) => {
		const problem = (path: string, problem: string) => ctx.addIssue({ code: 'custom', path: [path], params: { problem } });
		if (p.kind === 'yesno') return;
		const needed = p.kind === 'scheduling' ? 1 : 2;
		if (p.options.length < needed) problem('options', 'required');
		if (new Set(p.options).size !== p.options.length) problem('options', 'invalid_choice');
		if (p.kind === 'scheduling' && !p.options.every((o) => z.iso.datetime({ offset: true }).safeParse(o).success)) {
			problem('options', 'invalid_date');
		}
		if (p.maxChoices !== undefined && (p.kind !== 'multiple' || p.maxChoices > p.options.length)) problem('maxChoices', 'invalid_number');
	});

/** Whether everyone in the room may see the results now (facilitators always may). */
export function resultsArePublic(poll: Pick<PollRow, 'results_visible' | 'status' | 'revealed_at'>): boolean {
	if (poll.revealed_at) return true;
	if (poll.results_visible === 'live') return true;
	return poll.results_visible === 'after_close' && poll.status === 'closed';
}

async function listOptions(db: Db, pollIds: string[]) {
	if (pollIds.length === 0) return [];
	return db
		.selectFrom('poll_options')
		.select(['poll_id', 'id', 'label'])
		.where('poll_id', 'in', pollIds)
		.orderBy('poll_id')
		.orderBy('position')
		.execute();
}

function toPollView(poll: PollRow, options: Array<{ id: string; label: string }>): PollView {
	const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
	return {
		id: poll.id,
		meetingId: poll.meeting_id,
		question: poll.question,
		kind: poll.kind,
		status: poll.status,
		anonymous: poll.anonymous,
		resultsVisible: poll.results_visible,
		revealed: poll.revealed_at !== null,
		options,
		maxChoices: poll.max_choices,
		dots: poll.dots,
		majority: poll.majority,
		quorum: poll.quorum,
		openedAt: iso(poll.opened_at),
		closedAt: iso(poll.closed_at),
		nextMeetingId: poll.next_meeting_id
	};
}

/** Tallies the stored ballots: one per member, by the (poll, ballot_key) key. */
export async function computeResults(db: Db, poll: PollRow, options?: Array<{ id: string; label: string }>): Promise<PollResults> {
	const opts = options ?? (await listOptions(db, [poll.id])).map(({ id, label }) => ({ id, label }));
	const rows = await db.selectFrom('poll_ballots').select('choice').where('poll_id', '=', poll.id).execute();
	const ballots = rows.map((r) => JSON.parse(r.choice) as Ballot);
	return tallyPoll(poll.kind, opts, ballots, { majority: poll.majority, quorum: poll.quorum });
}

async function countVoters(db: Db, pollId: string): Promise<number> {
	const row = await db
		.selectFrom('poll_voters')
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.where('poll_id', '=', pollId)
		.executeTakeFirstOrThrow();
	return Number(row.n);
}

/** The polls of a meeting as one viewer may see them (results hidden unless allowed). */
export async function listPollSnapshots(db: Db, meetingId: string, facilitator: boolean): Promise<PollSnapshot[]> {
	const polls = await db.selectFrom('polls').selectAll().where('meeting_id', '=', meetingId).orderBy('created_at').execute();
	if (!facilitator) polls.splice(0, polls.length, ...polls.filter((p) => p.status !== 'draft'));
	const options = await listOptions(
		db,
		polls.map((p) => p.id)
	);
	return Promise.all(
		polls.map(async (poll) => {
			const own = options.filter((o) => o.poll_id === poll.id).map(({ id, label }) => ({ id, label }));
			const visible = facilitator || resultsArePublic(poll);
			const results = visible ? await computeResults(db, poll, own) : null;
			return { poll: toPollView(poll, own), voters: results?.voters ?? (await countVoters(db, poll.id)), results };
		})
	);
}

async function snapshotOf(db: Db, poll: PollRow, audience: 'public' | 'facilitators'): Promise<PollSnapshot> {
	const options = (await listOptions(db, [poll.id])).map(({ id, label }) => ({ id, label }));
	const visible = audience === 'facilitators' || resultsArePublic(poll);
	const results = visible ? await computeResults(db, poll, options) : null;
	return { poll: toPollView(poll, options), voters: results?.voters ?? (await countVoters(db, poll.id)), results };
}

/** Sends the current results to whoever may see them; coalesced per poll. */
function broadcastResults(deps: LiveDeps, pollId: string): void {
	const { broadcaster } = deps;
	broadcaster.coalesce(`poll-results:${pollId}`, async () => {
		const poll = await deps.db.selectFrom('polls').selectAll().where('id', '=', pollId).executeTakeFirst();
		if (!poll) return;
		const results = await computeResults(deps.db, poll);
		const payload = { pollId, meetingId: poll.meeting_id, results };
		if (resultsArePublic(poll)) broadcaster.toMeeting(poll.meeting_id, 'poll:results', payload);
		else broadcaster.toFacilitators(poll.meeting_id, 'poll:results', payload);
	});
}

export async function createPoll(deps: LiveDeps, user: SessionUser, meetingId: string, input: unknown): Promise<PollView> {
	await accessMeeting(deps.db, user, meetingId, 'poll.manage');
	const data = parseInput(pollInput, input);
	const labels = data.kind === 'yesno' ? yesNoOptionIds.map((id) => yesNoLabels[id]) : data.options;
	const options = labels.map((label, i) => ({ id: data.kind === 'yesno' ? yesNoOptionIds[i] : newId(5), label }));
	const poll = await deps.db.transaction().execute(async (trx) => {
		const row = await trx
			.insertInto('polls')
			.values({
				id: newId(),
				meeting_id: meetingId,
				question: data.question,
				kind: data.kind,
				anonymous: data.anonymous,
				results_visible: data.resultsVisible,
				max_choices: data.kind === 'multiple' ? (data.maxChoices ?? options.length) : null,
				dots: data.kind === 'dots' ? (data.dots ?? Math.max(3, options.length)) : null,
				majority: data.kind === 'yesno' ? (data.majority ?? 'simple') : null,
				quorum: data.kind === 'yesno' ? (data.quorum ?? null) : null,
				created_by: user.id
			})
			.returningAll()
			.executeTakeFirstOrThrow();
		await trx
			.insertInto('poll_options')
			.values(options.map((o, position) => ({ poll_id: row.id, id: o.id, label: o.label, position })))
			.execute();
		return row;
	});
	deps.broadcaster.toFacilitators(meetingId, 'poll:created', await snapshotOf(deps.db, poll, 'facilitators'));
	return toPollView(poll, options);
}

export async function openPoll(deps: LiveDeps, user: SessionUser, pollId: string): Promise<PollView> {
	const { poll } = await accessPoll(deps.db, user, pollId, 'poll.manage');
	const opened = await deps.db
		.updateTable('polls')
		.set({ status: 'open', opened_at: new Date(), ballot_secret: poll.anonymous ? randomBytes(32) : null })
		.where('id', '=', pollId)
		.where('status', '=', 'draft')
		.returningAll()
		.executeTakeFirst();
	if (!opened) throw new AppError('poll_invalid_transition');
	await auditPoll(deps.db, user, opened, 'poll.open');
	const snapshot = await snapshotOf(deps.db, opened, 'public');
	deps.broadcaster.toMeeting(opened.meeting_id, 'poll:opened', snapshot);
	return snapshot.poll;
}

export async function closePoll(deps: LiveDeps, user: SessionUser, pollId: string): Promise<PollView> {
	await accessPoll(deps.db, user, pollId, 'poll.manage');
	const closed = await deps.db.transaction().execute(async (trx) => {
		// The update waits for votes holding the poll row (FOR SHARE): none lands after close.
		const row = await trx
			.updateTable('polls')
			.set({ status: 'closed', closed_at: new Date(), ballot_secret: null })
			.where('id', '=', pollId)
			.where('status', '=', 'open')
			.returningAll()
			.executeTakeFirst();
		if (!row) throw new AppError('poll_invalid_transition');
		if (row.anonymous) await reshuffleBallots(trx, pollId);
		return row;
	});
	await auditPoll(deps.db, user, closed, 'poll.close');
	const snapshot = await snapshotOf(deps.db, closed, 'public');
	deps.broadcaster.toMeeting(closed.meeting_id, 'poll:closed', snapshot);
	if (!snapshot.results) {
		deps.broadcaster.toFacilitators(closed.meeting_id, 'poll:results', {
			pollId,
			meetingId: closed.meeting_id,
			results: await computeResults(deps.db, closed)
		});
	}
	return snapshot.poll;
}

/**
 * Rewrites an anonymous poll's ballots in key order, so the order rows were stored in (which
 * follows the order people voted, like poll_voters) no longer hints who cast which ballot.
 * Limit: the old row versions stay in PostgreSQL's heap until VACUUM and in its WAL.
 */
async function reshuffleBallots(db: Db, pollId: string): Promise<void> {
	const ballots = await db.selectFrom('poll_ballots').selectAll().where('poll_id', '=', pollId).orderBy('ballot_key').execute();
	await db.deleteFrom('poll_ballots').where('poll_id', '=', pollId).execute();
	for (let i = 0; i < ballots.length; i += 500) {
		await db
			.insertInto('poll_ballots')
			.values(ballots.slice(i, i + 500))
			.execute();
	}
}

/** Makes a poll's results public now (for `hidden` and `after_close` polls). */
export async function revealPoll(deps: LiveDeps, user: SessionUser, pollId: string): Promise<PollView> {
	const { poll } = await accessPoll(deps.db, user, pollId, 'poll.manage');
	if (poll.status === 'draft') throw new AppError('poll_invalid_transition');
	const revealed = await deps.db
		.updateTable('polls')
		.set({ revealed_at: poll.revealed_at ?? new Date() })
		.where('id', '=', pollId)
		.returningAll()
		.executeTakeFirstOrThrow();
	broadcastResults(deps, pollId);
	return toPollView(
		revealed,
		(await listOptions(deps.db, [pollId])).map(({ id, label }) => ({ id, label }))
	);
}

/** One member's vote, waiting to be written with the others of its poll (see recordVotes). */
export interface VoteRequest {
	user: SessionUser;
	choice: unknown;
}

/** What became of one vote of a batch: stored (committed), or refused with the error to answer. */
export type VoteOutcome = { ok: true } | { ok: false; error: unknown };

/**
 * Records (or replaces) the caller's ballot, together with the other votes of the same poll that
 * arrive meanwhile (the socket server and the HTTP API share the app's batcher). It resolves only
 * once the ballot is committed.
 */
export async function castVote(deps: LiveDeps, user: SessionUser, pollId: string, choice: unknown): Promise<void> {
	await deps.votes.cast(pollId, { user, choice });
	broadcastResults(deps, pollId);
}

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
		if (before instanceof AppError && roles) return refuse(before);
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

export async function getPoll(db: Db, user: SessionUser, pollId: string): Promise<PollSnapshot> {
	const { poll, facilitator } = await accessPoll(db, user, pollId);
	if (poll.status === 'draft' && !facilitator) throw new AppError('not_found');
	return snapshotOf(db, poll, facilitator ? 'facilitators' : 'public');
}

/** `GET /polls/:id/results`: refused with `poll_results_hidden` until the caller may see them. */
export async function getPollResults(db: Db, user: SessionUser, pollId: string): Promise<PollResults> {
	const { poll, facilitator } = await accessPoll(db, user, pollId);
	if (!facilitator && (poll.status === 'draft' || !resultsArePublic(poll))) throw new AppError('poll_results_hidden');
	return computeResults(db, poll);
}

export async function listPolls(db: Db, user: SessionUser, meetingId: string): Promise<PollSnapshot[]> {
	const { actor } = await accessMeeting(db, user, meetingId);
	return listPollSnapshots(db, meetingId, can(actor, 'poll.manage'));
}
