import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import type { TopicStatus } from '../../domain/topics.ts';
import { resultsVisibilities, topicPollKinds } from '../../domain/polls.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import type { TableAction } from '../authz/policy.ts';
import { authorizeOnTable } from '../authz/access.ts';
import { fields, parseInput, textLimits } from '../validation.ts';
import type { LiveDeps } from '../live/deps.ts';
import type { MeetingBroadcaster } from '../live/broadcaster.ts';
import { createPoll, pollLimits } from '../polls/service.ts';
import type { PollView } from '../../realtime/protocol.ts';

export interface Topic {
	id: string;
	tableId: string;
	title: string;
	description: string;
	status: TopicStatus;
	/** The meeting a scheduled topic was put on. */
	meetingId: string | null;
	pollId: string | null;
	proposedBy: string | null;
	createdAt: string;
	supporters: number;
	supportedByMe: boolean;
	comments: number;
}

export interface TopicComment {
	id: string;
	authorName: string | null;
	body: string;
	createdAt: string;
}

/**
 * What changes the backlog: the database, and the broadcaster that tells the table channel (its
 * open pages) and the rooms of its meetings.
 */
export interface TopicDeps {
	db: Db;
	broadcaster: Pick<MeetingBroadcaster, 'toTable' | 'toMeeting'>;
}

export const topicInput = z.object({ title: fields.title, description: fields.description });
const commentInput = z.object({ body: z.string().trim().min(1).max(textLimits.description) });

/** The topic and its table, checking `action` there; a topic of another table is not found. */
async function topicOnTable(db: Db, user: SessionUser, tableId: string, topicId: string, action: TableAction) {
	await authorizeOnTable(db, user, tableId, action);
	const topic = await db.selectFrom('topics').selectAll().where('id', '=', topicId).where('table_id', '=', tableId).executeTakeFirst();
	if (!topic) throw new AppError('not_found');
	return topic;
}

/** The backlog, most supported first. */
export async function listTopics(db: Db, user: SessionUser, tableId: string): Promise<Topic[]> {
	await authorizeOnTable(db, user, tableId, 'table.view');
	const rows = await db
		.selectFrom('topics')
		.leftJoin('users', 'users.id', 'topics.created_by')
		.selectAll('topics')
		.select('users.name as proposer')
		.select((eb) => [
			eb
				.selectFrom('topic_supports')
				.select(eb.fn.countAll<number>().as('n'))
				.whereRef('topic_supports.topic_id', '=', 'topics.id')
				.as('supporters'),
			eb
				.selectFrom('topic_comments')
				.select(eb.fn.countAll<number>().as('n'))
				.whereRef('topic_comments.topic_id', '=', 'topics.id')
				.as('comments'),
			eb
				.exists(
					eb
						.selectFrom('topic_supports')
						.select('user_id')
						.whereRef('topic_supports.topic_id', '=', 'topics.id')
						.where('topic_supports.user_id', '=', user.id)
				)
				.as('mine')
		])
		.where('topics.table_id', '=', tableId)
		.execute();
	return rows
		.map((r) => ({
			id: r.id,
			tableId: r.table_id,
			title: r.title,
			description: r.description,
			status: r.status,
			meetingId: r.meeting_id,
			pollId: r.poll_id,
			proposedBy: r.proposer ?? null,
			createdAt: new Date(r.created_at).toISOString(),
			supporters: Number(r.supporters ?? 0),
			supportedByMe: Boolean(r.mine),
			comments: Number(r.comments ?? 0)
		}))
		.sort((a, b) => b.supporters - a.supporters || a.createdAt.localeCompare(b.createdAt));
}

/**
 * Tells the rooms of the table's meetings that are not closed (people may wait in a planned one)
 * that the backlog changed; each room reads it again over the API, as its member may see it.
 */
async function announceTopicsChanged(deps: TopicDeps, tableId: string): Promise<void> {
	const meetings = await deps.db
		.selectFrom('meetings')
		.select('id')
		.where('table_id', '=', tableId)
		.where('status', '!=', 'closed')
		.execute();
	for (const meeting of meetings) deps.broadcaster.toMeeting(meeting.id, 'topics:changed', { tableId });
}

export async function proposeTopic(deps: TopicDeps, user: SessionUser, tableId: string, input: unknown): Promise<{ id: string }> {
	const { db } = deps;
	await authorizeOnTable(db, user, tableId, 'topic.propose');
	const data = parseInput(topicInput, input);
	const id = newId();
	await db
		.insertInto('topics')
		.values({ id, table_id: tableId, title: data.title, description: data.description, created_by: user.id })
		.execute();
	await announceTopicsChanged(deps, tableId);
	deps.broadcaster.toTable(tableId, 'topic:changed', { tableId, topicId: id, change: 'proposed' });
	return { id };
}

/** Supports a topic (once per member, by key) or withdraws the support. */
export async function supportTopic(
	deps: TopicDeps,
	user: SessionUser,
	tableId: string,
	topicId: string,
	support: boolean
): Promise<{ supporters: number }> {
	const { db } = deps;
	await topicOnTable(db, user, tableId, topicId, 'topic.propose');
	if (support) {
		await db
			.insertInto('topic_supports')
			.values({ topic_id: topicId, user_id: user.id })
			.onConflict((oc) => oc.doNothing())
			.execute();
	} else {
		await db.deleteFrom('topic_supports').where('topic_id', '=', topicId).where('user_id', '=', user.id).execute();
	}
	const row = await db
		.selectFrom('topic_supports')
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.where('topic_id', '=', topicId)
		.executeTakeFirstOrThrow();
	await announceTopicsChanged(deps, tableId);
	deps.broadcaster.toTable(tableId, 'topic:changed', { tableId, topicId, change: 'supported' });
	return { supporters: Number(row.n) };
}

export async function commentTopic(
	{ db, broadcaster }: TopicDeps,
	user: SessionUser,
	tableId: string,
	topicId: string,
	input: unknown
): Promise<{ id: string }> {
	await topicOnTable(db, user, tableId, topicId, 'topic.propose');
	const data = parseInput(commentInput, input);
	const id = newId();
	await db.insertInto('topic_comments').values({ id, topic_id: topicId, user_id: user.id, body: data.body }).execute();
	broadcaster.toTable(tableId, 'topic:changed', { tableId, topicId, change: 'commented' });
	return { id };
}

export async function listComments(db: Db, user: SessionUser, tableId: string, topicId: string): Promise<TopicComment[]> {
	await topicOnTable(db, user, tableId, topicId, 'table.view');
	const rows = await db
		.selectFrom('topic_comments')
		.leftJoin('users', 'users.id', 'topic_comments.user_id')
		.select(['topic_comments.id', 'users.name', 'topic_comments.body', 'topic_comments.created_at'])
		.where('topic_comments.topic_id', '=', topicId)
		.orderBy('topic_comments.created_at')
		.execute();
	return rows.map((r) => ({ id: r.id, authorName: r.name ?? null, body: r.body, createdAt: new Date(r.created_at).toISOString() }));
}

export const topicsToPollInput = z.object({
	meetingId: fields.id,
	topicIds: z.array(fields.id).min(2).max(pollLimits.options),
	question: z.string().trim().min(1).max(pollLimits.question).default('Quali argomenti trattiamo nei prossimi incontri?'),
	kind: z.enum(topicPollKinds).default('ranked'),
	anonymous: z.boolean().default(false),
	resultsVisible: z.enum(resultsVisibilities).default('live'),
	maxChoices: z.number().int().min(1).optional(),
	dots: z.number().int().min(1).optional()
});

/**
 * One action for the moderator: the chosen open topics of the table become the options of a new
 * poll (draft, ready to open) in one of its meetings, and are marked as put to the vote.
 */
export async function topicsToPoll(deps: LiveDeps, user: SessionUser, tableId: string, input: unknown): Promise<PollView> {
	await authorizeOnTable(deps.db, user, tableId, 'poll.manage');
	const { meetingId, topicIds, ...poll } = parseInput(topicsToPollInput, input);
	const meeting = await deps.db.selectFrom('meetings').select('table_id').where('id', '=', meetingId).executeTakeFirst();
	if (!meeting || meeting.table_id !== tableId) throw new AppError('validation_failed', { fields: { meetingId: 'invalid_choice' } });
	const topics = await deps.db
		.selectFrom('topics')
		.select(['id', 'title'])
		.where('table_id', '=', tableId)
		.where('status', '=', 'open')
		.where('id', 'in', topicIds)
		.execute();
	if (topics.length !== new Set(topicIds).size) throw new AppError('validation_failed', { fields: { topicIds: 'invalid_choice' } });
	const ordered = topicIds.map((id) => topics.find((t) => t.id === id)!);
	// Two topics may share a title; options must not, so later ones get a counter.
	const seen = new Map<string, number>();
	const labels = ordered.map((t) => {
		const n = (seen.get(t.title) ?? 0) + 1;
		seen.set(t.title, n);
		return n === 1 ? t.title : `${t.title} (${n})`;
	});
	const created = await createPoll(deps, user, meetingId, { ...poll, options: labels });
	await deps.db
		.updateTable('topics')
		.set({ status: 'polled', poll_id: created.id })
		.where('id', 'in', topicIds)
		.where('status', '=', 'open')
		.execute();
	await announceTopicsChanged(deps, tableId);
	for (const topicId of topicIds) deps.broadcaster.toTable(tableId, 'topic:changed', { tableId, topicId, change: 'polled' });
	return created;
}
