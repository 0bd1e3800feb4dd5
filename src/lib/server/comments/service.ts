import { z } from 'zod';
import * as Y from 'yjs';
import { fromBase64 } from 'lib0/buffer';
import type { Db } from '../db/connect.ts';
import type { DocumentCommentRow } from '../db/schema.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import { can } from '../authz/policy.ts';
import { actorOnTable } from '../authz/access.ts';
import { listMembers } from '../tables/service.ts';
import { parseInput } from '../validation.ts';
import { getDocument, type TableDocument } from '../documents/service.ts';
import { notify, type NotificationDeps } from '../notifications/service.ts';
import { commentLimits, type CommentThreadView, type CommentView, type DocumentCommentsView } from '../../comments/types.ts';
import {
	findCommentById,
	findCommentsOfDocument,
	findMentionsOfDocument,
	findUserNames,
	insertComment,
	updateThreadResolution,
	type MentionRow
} from './queries.ts';

/** A base64 Y.encodeRelativePosition: refused unless Yjs can read it back (amendments anchor the same way). */
export const encodedPosition = z
	.string()
	.trim()
	.min(1)
	.max(commentLimits.anchor)
	.refine(
		(value) => {
			// Base64 decoders skip stray characters, so check the alphabet before decoding.
			if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
			try {
				Y.decodeRelativePosition(fromBase64(value));
				return true;
			} catch {
				return false;
			}
		},
		{ params: { problem: 'invalid_choice' } }
	);

export const commentInput = z.object({
	body: z.string().trim().min(1).max(commentLimits.body),
	anchor: z.object({ from: encodedPosition, to: encodedPosition, quote: z.string().max(commentLimits.quote).default('') }).optional(),
	parentId: z.string().trim().min(1).max(64).optional(),
	mentions: z.array(z.string().trim().min(1).max(64)).max(commentLimits.mentions).default([])
});

/**
 * Who may comment: the people who may edit the draft (coordinators, moderators, participants),
 * and nobody on a final document, whose text no longer changes. Everyone on the table reads.
 */
async function commentingStatus(db: Db, user: SessionUser, document: TableDocument): Promise<DocumentCommentsView['readOnlyReason']> {
	const actor = await actorOnTable(db, user, document.tableId);
	if (!can(actor, 'document.edit')) return 'observer';
	if (document.status === 'final') return 'final';
	return null;
}

async function authorizeCommenting(db: Db, user: SessionUser, documentId: string): Promise<TableDocument> {
	const document = await getDocument(db, user, documentId);
	const reason = await commentingStatus(db, user, document);
	if (reason === 'observer') throw new AppError('forbidden');
	if (reason === 'final') throw new AppError('document_final');
	return document;
}

function toComment(row: DocumentCommentRow, mentions: readonly MentionRow[]): CommentView {
	return {
		id: row.id,
		authorId: row.author_id,
		authorName: row.author_name,
		body: row.body,
		mentions: mentions.filter((mention) => mention.comment_id === row.id).map((mention) => ({ id: mention.user_id, name: mention.name })),
		createdAt: new Date(row.created_at).toISOString()
	};
}

async function buildThreads(db: Db, documentId: string): Promise<CommentThreadView[]> {
	const [rows, mentions] = await Promise.all([findCommentsOfDocument(db, documentId), findMentionsOfDocument(db, documentId)]);
	const resolverIds = [...new Set(rows.flatMap((row) => (row.resolved_by ? [row.resolved_by] : [])))];
	const resolvers = await findUserNames(db, resolverIds);
	const threads = new Map<string, CommentThreadView>();
	for (const row of rows) {
		if (row.parent_id !== null) continue;
		threads.set(row.id, {
			...toComment(row, mentions),
			anchor: { from: row.anchor_from ?? '', to: row.anchor_to ?? '', quote: row.quote },
			resolved: row.resolved_at
				? {
						at: new Date(row.resolved_at).toISOString(),
						by: row.resolved_by ? { id: row.resolved_by, name: resolvers.get(row.resolved_by) ?? '' } : null
					}
				: null,
			replies: []
		});
	}
	for (const row of rows) {
		if (row.parent_id !== null) threads.get(row.parent_id)?.replies.push(toComment(row, mentions));
	}
	return [...threads.values()];
}

/** Every thread of a document (open and resolved, oldest first), with who can be mentioned. */
export async function listComments(db: Db, user: SessionUser, documentId: string): Promise<DocumentCommentsView> {
	const document = await getDocument(db, user, documentId);
	const [threads, members, reason] = await Promise.all([
		buildThreads(db, documentId),
		listMembers(db, document.tableId),
		commentingStatus(db, user, document)
	]);
	return {
		threads,
		members: members.map((member) => ({ id: member.userId, name: member.name })),
		canComment: reason === null,
		readOnlyReason: reason
	};
}

async function getThread(db: Db, documentId: string, threadId: string): Promise<CommentThreadView> {
	const thread = (await buildThreads(db, documentId)).find((candidate) => candidate.id === threadId);
	if (!thread) throw new AppError('not_found');
	return thread;
}

/** How much of a comment a mention's notification quotes. */
const mentionExcerptLength = 140;

/**
 * Starts a thread (`anchor` required) or answers one (`parentId`; an answer to an answer joins
 * the same thread). Mentions name table members by user id; each is notified (`notifications`).
 * Returns the whole thread.
 */
export async function addComment(
	db: Db,
	user: SessionUser,
	documentId: string,
	input: unknown,
	notifications?: NotificationDeps
): Promise<CommentThreadView> {
	const document = await authorizeCommenting(db, user, documentId);
	const data = parseInput(commentInput, input);

	// An answer joins the thread of the comment it answers; a new thread needs its anchor.
	let parentThreadId: string | null = null;
	if (data.parentId) {
		const parent = await findCommentById(db, documentId, data.parentId);
		if (!parent) throw new AppError('validation_failed', { fields: { parentId: 'invalid_choice' } });
		parentThreadId = parent.parent_id ?? parent.id;
	} else if (!data.anchor) {
		throw new AppError('validation_failed', { fields: { anchor: 'required' } });
	}
	const anchor = parentThreadId ? null : data.anchor!;

	const mentions = [...new Set(data.mentions)];
	if (mentions.length > 0) {
		const memberIds = new Set((await listMembers(db, document.tableId)).map((member) => member.userId));
		if (mentions.some((id) => !memberIds.has(id))) throw new AppError('validation_failed', { fields: { mentions: 'invalid_choice' } });
	}

	const id = newId();
	await db.transaction().execute((trx) =>
		insertComment(
			trx,
			{
				id,
				document_id: documentId,
				parent_id: parentThreadId,
				author_id: user.id,
				author_name: user.name,
				body: data.body,
				anchor_from: anchor?.from ?? null,
				anchor_to: anchor?.to ?? null,
				quote: anchor?.quote.trim() ?? ''
			},
			mentions
		)
	);
	await notify(notifications, {
		kind: 'mention',
		tableId: document.tableId,
		subjectId: documentId,
		actor: user,
		recipients: mentions,
		payload: {
			title: document.title,
			excerpt: data.body.length > mentionExcerptLength ? `${data.body.slice(0, mentionExcerptLength - 1)}…` : data.body
		}
	});
	return getThread(db, documentId, parentThreadId ?? id);
}

/** Marks a thread resolved (or open again). Only threads, not single replies, are resolved. */
export async function setThreadResolved(
	db: Db,
	user: SessionUser,
	documentId: string,
	threadId: string,
	resolved: boolean
): Promise<CommentThreadView> {
	await authorizeCommenting(db, user, documentId);
	const thread = await findCommentById(db, documentId, threadId);
	if (!thread || thread.parent_id !== null) throw new AppError('not_found');
	if (Boolean(thread.resolved_at) !== resolved) await updateThreadResolution(db, threadId, resolved ? user.id : null);
	return getThread(db, documentId, threadId);
}
