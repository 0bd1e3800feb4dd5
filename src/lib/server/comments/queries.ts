import type { Db } from '../db/connect.ts';
import type { DocumentCommentRow } from '../db/schema.ts';

export interface MentionRow {
	comment_id: string;
	user_id: string;
	name: string;
}

export async function findCommentsOfDocument(db: Db, documentId: string): Promise<DocumentCommentRow[]> {
	return db.selectFrom('document_comments').selectAll().where('document_id', '=', documentId).orderBy('created_at').orderBy('id').execute();
}

export async function findCommentById(db: Db, documentId: string, commentId: string): Promise<DocumentCommentRow | undefined> {
	return db
		.selectFrom('document_comments')
		.selectAll()
		.where('id', '=', commentId)
		.where('document_id', '=', documentId)
		.executeTakeFirst();
}

export async function findMentionsOfDocument(db: Db, documentId: string): Promise<MentionRow[]> {
	return db
		.selectFrom('comment_mentions')
		.innerJoin('document_comments', 'document_comments.id', 'comment_mentions.comment_id')
		.innerJoin('users', 'users.id', 'comment_mentions.user_id')
		.select(['comment_mentions.comment_id', 'comment_mentions.user_id', 'users.name'])
		.where('document_comments.document_id', '=', documentId)
		.orderBy('users.name')
		.execute();
}

export async function findUserNames(db: Db, userIds: readonly string[]): Promise<Map<string, string>> {
	if (userIds.length === 0) return new Map();
	const rows = await db
		.selectFrom('users')
		.select(['id', 'name'])
		.where('id', 'in', [...userIds])
		.execute();
	return new Map(rows.map((row) => [row.id, row.name]));
}

export async function insertComment(
	db: Db,
	comment: Pick<
		DocumentCommentRow,
		'id' | 'document_id' | 'parent_id' | 'author_id' | 'author_name' | 'body' | 'anchor_from' | 'anchor_to' | 'quote'
	>,
	mentionedUserIds: readonly string[]
): Promise<void> {
	await db.insertInto('document_comments').values(comment).execute();
	if (mentionedUserIds.length > 0) {
		await db
			.insertInto('comment_mentions')
			.values(mentionedUserIds.map((userId) => ({ comment_id: comment.id, user_id: userId })))
			.execute();
	}
}

export async function updateThreadResolution(db: Db, threadId: string, resolvedBy: string | null): Promise<void> {
	await db
		.updateTable('document_comments')
		.set(resolvedBy ? { resolved_at: new Date(), resolved_by: resolvedBy } : { resolved_at: null, resolved_by: null })
		.where('id', '=', threadId)
		.execute();
}

/** Open threads per document, for lists such as the review desk. */
export async function countOpenThreads(db: Db, documentIds: readonly string[]): Promise<Map<string, number>> {
	if (documentIds.length === 0) return new Map();
	const rows = await db
		.selectFrom('document_comments')
		.select(['document_id', db.fn.countAll<number>().as('open')])
		.where('document_id', 'in', [...documentIds])
		.where('parent_id', 'is', null)
		.where('resolved_at', 'is', null)
		.groupBy('document_id')
		.execute();
	return new Map(rows.map((row) => [row.document_id, Number(row.open)]));
}

/** Comments in open threads that mention the user: the "mentioned" count a home page may show. */
export async function countOpenMentions(db: Db, userId: string): Promise<number> {
	const row = await db
		.selectFrom('comment_mentions')
		.innerJoin('document_comments as comment', 'comment.id', 'comment_mentions.comment_id')
		.leftJoin('document_comments as thread', 'thread.id', 'comment.parent_id')
		.select(db.fn.countAll<number>().as('count'))
		.where('comment_mentions.user_id', '=', userId)
		.where((eb) =>
			eb.or([
				eb.and([eb('comment.parent_id', 'is', null), eb('comment.resolved_at', 'is', null)]),
				eb.and([eb('comment.parent_id', 'is not', null), eb('thread.resolved_at', 'is', null)])
			])
		)
		.executeTakeFirstOrThrow();
	return Number(row.count);
}
