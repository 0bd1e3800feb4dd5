import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { PollRow } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { authorizeOnTable } from '../authz/access.ts';
import { fields, parseInput } from '../validation.ts';
import type { LiveDeps } from '../live/deps.ts';
import { broadcastState } from '../live/service.ts';
import { computeResults } from '../polls/service.ts';
import { pollStanding, type PollResults } from '../../polls/tally.ts';
import { topicPollKinds } from '../../domain/polls.ts';
import { agendaUpdate, closingItem } from '../../agenda/agenda-doc.ts';
import { MEETING_TIME_ZONE } from '../../meetings/rome-time.ts';
import { insertMeeting, toMeeting, type Meeting } from './service.ts';
import { commitmentsReviewItem, markReviewed } from '../commitments/agenda.ts';

/** Minutes each winning topic gets on the next agenda (a draft: the moderator edits it). */
export const topicItemMinutes = 15;

export const scheduleNextMeetingInput = z.object({
	/** The closed topic poll whose winners make the agenda; omitted: the latest; null: none. */
	topicPollId: fields.id.nullable().optional(),
	/** The slot to use instead of the best one (needed when no slot is best: a tie, or no votes). */
	slotId: fields.id.optional()
});

export interface ScheduledMeeting {
	meeting: Meeting;
	/** False when the poll had created it already: the same meeting is returned. */
	created: boolean;
	/** The topics put on its agenda, in order (empty when it already existed). */
	topicIds: string[];
}

const titleDate = new Intl.DateTimeFormat('it-IT', { timeZone: MEETING_TIME_ZONE, day: 'numeric', month: 'long', year: 'numeric' });

/**
 * "Incontro del 12 marzo 2027", "dell'8 marzo", "del 1º marzo": meeting titles are data, written
 * in the table's language (Italian), with the article the day's number takes.
 */
export function nextMeetingTitle(startsAt: Date): string {
	const date = titleDate.format(startsAt);
	if (/^(8|11) /.test(date)) return `Incontro dell'${date}`;
	return `Incontro del ${date.replace(/^1 /, '1º ')}`;
}

/**
 * Closes the loop of a first meeting: from a closed scheduling poll, the next meeting of the table
 * at the chosen slot (as long as the current one), its agenda seeded with the winning topics of a
 * closed topic poll of the same meeting, the check of the open commitments, and the standard closing item; those topics become
 * `scheduled`. A facilitator's action ('meeting.run'), like the polls it follows from. Idempotent:
 * the poll keeps a link to the meeting, and asking again returns it.
 */
export async function scheduleNextMeeting(deps: LiveDeps, user: SessionUser, pollId: string, input: unknown): Promise<ScheduledMeeting> {
	const { db } = deps;
	const data = parseInput(scheduleNextMeetingInput, input);
	const poll = await db.selectFrom('polls').selectAll().where('id', '=', pollId).executeTakeFirst();
	if (!poll) throw new AppError('not_found');
	const current = await db.selectFrom('meetings').selectAll().where('id', '=', poll.meeting_id).executeTakeFirstOrThrow();
	await authorizeOnTable(db, user, current.table_id, 'meeting.run');
	if (poll.kind !== 'scheduling') throw new AppError('poll_not_scheduling');
	if (poll.next_meeting_id) return { meeting: await findMeeting(db, poll.next_meeting_id), created: false, topicIds: [] };
	if (poll.status !== 'closed') throw new AppError('poll_not_closed');

	const startsAt = new Date(await chooseSlot(db, poll, data.slotId));
	const lengthMs = new Date(current.ends_at).getTime() - new Date(current.starts_at).getTime();
	const endsAt = new Date(startsAt.getTime() + lengthMs);
	const maxTopics = Math.max(1, Math.floor((lengthMs / 60_000 - closingItem.minutes) / topicItemMinutes));
	const topics = await winningTopics(db, poll.meeting_id, data.topicPollId, maxTopics);
	const review = await commitmentsReviewItem(db, current.table_id);

	const outcome = await db.transaction().execute(async (trx) => {
		// Two clicks at once: the second waits here, then finds the link the first one wrote.
		const locked = await trx.selectFrom('polls').select('next_meeting_id').where('id', '=', pollId).forUpdate().executeTakeFirstOrThrow();
		if (locked.next_meeting_id) return { meeting: await findMeeting(trx, locked.next_meeting_id), created: false, topicIds: [] };
		const agenda = agendaUpdate([
			...topics.map((t) => ({ title: t.title, minutes: topicItemMinutes, notes: t.description, status: 'todo' as const })),
			// The open commitments are checked before the closing item (issue 15).
			...(review ? [review.item] : []),
			closingItem
		]);
		const meeting = await insertMeeting(
			trx,
			{ tableId: current.table_id, title: nextMeetingTitle(startsAt), startsAt, endsAt, videoUrl: current.video_url, createdBy: user.id },
			agenda
		);
		await trx.updateTable('polls').set({ next_meeting_id: meeting.id }).where('id', '=', pollId).execute();
		await markReviewed(trx, review, meeting.id);
		if (topics.length > 0) {
			await trx
				.updateTable('topics')
				.set({ status: 'scheduled', meeting_id: meeting.id })
				.where(
					'id',
					'in',
					topics.map((t) => t.id)
				)
				.execute();
		}
		return { meeting, created: true, topicIds: topics.map((t) => t.id) };
	});
	// The room's view of the poll now names the meeting: everyone gets the link.
	if (outcome.created) broadcastState(deps, poll.meeting_id);
	return outcome;
}

async function findMeeting(db: Db, meetingId: string): Promise<Meeting> {
	return toMeeting(await db.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirstOrThrow());
}

/**
 * The slot's instant (its label, ISO 8601): the one asked for, else the one that prevails
 * (`pollStanding`). A tie for best (as many "yes" and "maybe") is the moderator's call: their
 * recorded choice (`POST /polls/:id/tie-break`), else the slot must be named; so is no
 * availability at all.
 */
async function chooseSlot(db: Db, poll: PollRow, slotId: string | undefined): Promise<string> {
	const results = await computeResults(db, poll);
	const slots = results.slots ?? [];
	if (slotId !== undefined) {
		const slot = slots.find((s) => s.id === slotId);
		if (!slot) throw new AppError('validation_failed', { fields: { slotId: 'invalid_choice' } });
		return slot.label;
	}
	const winner = pollStanding(results, poll.tie_choice).winner;
	const best = slots.find((s) => s.id === winner);
	if (!best) throw new AppError('poll_no_best_slot');
	return best.label;
}

interface TopicPick {
	id: string;
	title: string;
	description: string;
}

/**
 * The topics of a closed topic poll of the meeting that won, best first, as many as `max`:
 * ranked polls by Borda points (then first preferences), the others by what they count; options
 * no one chose are not winners.
 */
async function winningTopics(db: Db, meetingId: string, topicPollId: string | null | undefined, max: number): Promise<TopicPick[]> {
	if (topicPollId === null) return [];
	let query = db
		.selectFrom('polls')
		.selectAll()
		.where('meeting_id', '=', meetingId)
		.where('status', '=', 'closed')
		.where('kind', 'in', topicPollKinds)
		.where((eb) => eb.exists(eb.selectFrom('topics').select('topics.id').whereRef('topics.poll_id', '=', 'polls.id')));
	if (topicPollId !== undefined) query = query.where('id', '=', topicPollId);
	const topicPoll = await query.orderBy('closed_at', 'desc').executeTakeFirst();
	if (!topicPoll) {
		if (topicPollId !== undefined) throw new AppError('validation_failed', { fields: { topicPollId: 'invalid_choice' } });
		return [];
	}
	const [options, topics, results] = await Promise.all([
		db.selectFrom('poll_options').select(['id', 'label']).where('poll_id', '=', topicPoll.id).orderBy('position').execute(),
		db
			.selectFrom('topics')
			.select(['id', 'title', 'description'])
			.where('poll_id', '=', topicPoll.id)
			.orderBy('created_at')
			.orderBy('id')
			.execute(),
		computeResults(db, topicPoll)
	]);
	const topicOf = matchTopics(options, topics);
	return rankOptions(
		results,
		options.map((o) => o.id),
		topicPoll.tie_choice
	)
		.slice(0, max)
		.flatMap((id) => topicOf.get(id) ?? []);
}

/**
 * Option ids with any support, best first, by the poll's method (`pollStanding`, as the room and
 * the minutes): equals keep the poll's order, except that the moderator's choice in a tie for
 * first place comes first.
 */
export function rankOptions(results: PollResults, optionIds: readonly string[], tieChoice: string | null = null): string[] {
	const standing = pollStanding(results, tieChoice);
	const known = new Set(optionIds);
	const ranked = standing.ranking.filter((e) => known.has(e.id) && e.score > 0).map((e) => e.id);
	return standing.chosen && standing.winner ? [standing.winner, ...ranked.filter((id) => id !== standing.winner)] : ranked;
}

/**
 * Which topic each option stands for. `topicsToPoll` labels options with the topic's title, and
 * adds " (2)", " (3)"… to later topics of the same title.
 */
function matchTopics(options: ReadonlyArray<{ id: string; label: string }>, topics: readonly TopicPick[]): Map<string, TopicPick> {
	const unused = [...topics];
	const byOption = new Map<string, TopicPick>();
	for (const option of options) {
		const numbered = /^(.*) \(\d+\)$/.exec(option.label)?.[1];
		const index = unused.findIndex((t) => t.title === option.label);
		const at = index >= 0 ? index : unused.findIndex((t) => t.title === numbered);
		if (at >= 0) byOption.set(option.id, unused.splice(at, 1)[0]);
	}
	return byOption;
}
