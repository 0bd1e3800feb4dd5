import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { PollRow } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { can } from '../authz/policy.ts';
import { accessMeeting, accessPoll } from '../authz/access.ts';
import { refuseIfClosed } from '../meetings/status-guard.ts';
import { parseInput } from '../validation.ts';
import type { LiveDeps } from '../live/deps.ts';
import { tallyPoll, yesNoOptionIds, type Ballot, type PollResults } from '../../polls/tally.ts';
import { majorityRules, pollKinds, resultsVisibilities } from '../../domain/polls.ts';
import type { PollSnapshot, PollView } from '../../realtime/protocol.ts';
import { unlinkBallots, vacuumBallots } from './ballots.ts';
import { auditPoll } from '../audit/service.ts';
import { settleAmendmentPoll } from '../amendments/settle.ts';

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
		resultsVisible: z.enum(resultsVisibilities).default('live'),
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
		nextMeetingId: poll.next_meeting_id,
		tieChoice: poll.tie_choice,
		approval:
			poll.approval_document_id && poll.approval_version_number !== null
				? {
						documentId: poll.approval_document_id,
						versionNumber: poll.approval_version_number,
						contentSha256: poll.approval_content_sha256 ?? ''
					}
				: null
	};
}

/** Tallies the stored ballots: one per member, by the (poll, ballot_key) key. */
export async function computeResults(db: Db, poll: PollRow, options?: Array<{ id: string; label: string }>): Promise<PollResults> {
	const opts = options ?? (await listOptions(db, [poll.id])).map(({ id, label }) => ({ id, label }));
	const rows = await db.selectFrom('poll_ballots').select('choice').where('poll_id', '=', poll.id).execute();
	const ballots = rows.map((r) => JSON.parse(r.choice) as Ballot);
	return tallyPoll(poll.kind, opts, ballots, { majority: poll.majority, quorum: poll.quorum });
}

/**
 * The results readers see: the live tally, except on an open anonymous poll, whose counts are
 * those last published (in batches, see results-pacer.ts): zero until the first batch.
 */
async function shownResults(db: Db, poll: PollRow, options?: Array<{ id: string; label: string }>): Promise<PollResults> {
	if (!poll.anonymous || poll.status !== 'open') return computeResults(db, poll, options);
	if (poll.published_results) return JSON.parse(poll.published_results) as PollResults;
	const opts = options ?? (await listOptions(db, [poll.id])).map(({ id, label }) => ({ id, label }));
	return tallyPoll(poll.kind, opts, [], { majority: poll.majority, quorum: poll.quorum });
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
			const results = visible ? await shownResults(db, poll, own) : null;
			return { poll: toPollView(poll, own), voters: await votersShown(db, poll, results), results };
		})
	);
}

async function snapshotOf(db: Db, poll: PollRow, audience: 'public' | 'facilitators'): Promise<PollSnapshot> {
	const options = (await listOptions(db, [poll.id])).map(({ id, label }) => ({ id, label }));
	const visible = audience === 'facilitators' || resultsArePublic(poll);
	const results = visible ? await shownResults(db, poll, options) : null;
	return { poll: toPollView(poll, options), voters: await votersShown(db, poll, results), results };
}

/** Turnout: the tally's, or the roll's where the tally is hidden or (anonymous, open) held back. */
async function votersShown(db: Db, poll: PollRow, results: PollResults | null): Promise<number> {
	if (results && !(poll.anonymous && poll.status === 'open')) return results.voters;
	return countVoters(db, poll.id);
}

/**
 * Sends the current results to whoever may see them; coalesced per poll. On an open anonymous
 * poll these are the counts last published; `publish` first publishes the live tally (stored, so
 * every reader on every node sees the same batch).
 */
function broadcastResults(deps: LiveDeps, pollId: string, publish = false): void {
	const { broadcaster } = deps;
	broadcaster.coalesce(`poll-results:${pollId}${publish ? ':publish' : ''}`, async () => {
		let poll = await deps.db.selectFrom('polls').selectAll().where('id', '=', pollId).executeTakeFirst();
		if (!poll) return;
		if (publish && poll.anonymous && poll.status === 'open') {
			const tally = await computeResults(deps.db, poll);
			const published = await deps.db
				.updateTable('polls')
				.set({ published_results: JSON.stringify(tally) })
				.where('id', '=', pollId)
				.where('status', '=', 'open')
				.returningAll()
				.executeTakeFirst();
			// Closed meanwhile: send the final counts, never an older batch after them.
			poll = published ?? (await deps.db.selectFrom('polls').selectAll().where('id', '=', pollId).executeTakeFirst());
			if (!poll) return;
		}
		const results = await shownResults(deps.db, poll);
		const payload = { pollId, meetingId: poll.meeting_id, results };
		if (resultsArePublic(poll)) broadcaster.toMeeting(poll.meeting_id, 'poll:results', payload);
		else broadcaster.toFacilitators(poll.meeting_id, 'poll:results', payload);
	});
}

/** The frozen document version an approval poll puts to the vote (documents/approval.ts). */
export type ApprovalTarget = NonNullable<PollView['approval']>;
/** The amendment an amendment poll decides (amendments/service.ts). */
export interface AmendmentTarget {
	amendmentId: string;
}

export async function createPoll(
	deps: LiveDeps,
	user: SessionUser,
	meetingId: string,
	input: unknown,
	target?: ApprovalTarget | AmendmentTarget
): Promise<PollView> {
	const approval = target && 'documentId' in target ? target : undefined;
	const amendment = target && 'amendmentId' in target ? target : undefined;
	const { meeting } = await accessMeeting(deps.db, user, meetingId, 'poll.manage');
	refuseIfClosed(meeting);
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
				approval_document_id: approval?.documentId ?? null,
				approval_version_number: approval?.versionNumber ?? null,
				approval_content_sha256: approval?.contentSha256 ?? null,
				amendment_id: amendment?.amendmentId ?? null,
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
	// A vote does not outlive its meeting (closing it closes its open polls): none opens after.
	const meeting = await deps.db.selectFrom('meetings').select('status').where('id', '=', poll.meeting_id).executeTakeFirstOrThrow();
	refuseIfClosed(meeting);
	const opened = await deps.db
		.updateTable('polls')
		.set({ status: 'open', opened_at: new Date() })
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
			.set({ status: 'closed', closed_at: new Date(), published_results: null })
			.where('id', '=', pollId)
			.where('status', '=', 'open')
			.returningAll()
			.executeTakeFirst();
		if (!row) throw new AppError('poll_invalid_transition');
		if (row.anonymous) await unlinkBallots(trx, pollId);
		return row;
	});
	if (closed.anonymous) {
		// The final counts go out below, at once; the key goes now that no vote can land. The close
		// has committed: a Redis that fails here is reported, and the key expires on its own.
		await deps.votes.pacer
			.forget(pollId)
			.catch((error: unknown) => deps.logger.warn({ err: error, pollId }, 'could not reset the batch count of a closed poll'));
		await deps.votes.keys
			.erase(pollId)
			.catch((error: unknown) =>
				deps.logger.error(
					{ err: error, pollId },
					'could not erase the ballot key of a closed poll: it lives until TAVOLO_BALLOT_KEY_TTL_SECONDS'
				)
			);
		await vacuumBallots(deps.db).catch((error: unknown) =>
			deps.logger.warn({ err: error, pollId }, 'VACUUM after closing an anonymous poll failed: old row versions stay until autovacuum')
		);
	}
	await auditPoll(deps.db, user, closed, 'poll.close');
	if (closed.amendment_id) {
		// Before the room hears of the close, so what it reads then has the outcome (and the new text).
		// The vote is closed whatever happens to the text: a failure to apply it is logged, the amendment stays "in votazione".
		await settleAmendmentPoll(deps, user, closed, await computeResults(deps.db, closed)).catch((error: unknown) =>
			deps.logger.error({ err: error, pollId }, 'the amendment decided by a closed poll could not be settled')
		);
	}
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

/**
 * Records (or replaces) the caller's ballot, together with the other votes of the same poll that
 * arrive meanwhile (the socket server and the HTTP API share the app's batcher). It resolves only
 * once the ballot is committed.
 */
export async function castVote(deps: LiveDeps, user: SessionUser, pollId: string, choice: unknown): Promise<void> {
	const { anonymous } = await deps.votes.cast(pollId, { user, choice });
	if (!anonymous) return broadcastResults(deps, pollId);
	deps.votes.pacer
		.note(pollId, () => broadcastResults(deps, pollId, true))
		.catch((error: unknown) => deps.logger.warn({ err: error, pollId }, 'could not count a ballot towards the next batch of counts'));
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
	return shownResults(db, poll);
}

export async function listPolls(db: Db, user: SessionUser, meetingId: string): Promise<PollSnapshot[]> {
	const { actor } = await accessMeeting(db, user, meetingId);
	return listPollSnapshots(db, meetingId, can(actor, 'poll.manage'));
}
