import type { Db } from '../db/connect.ts';
import type { AmendmentRow, PollRow } from '../db/schema.ts';
import type { AmendmentStatus } from '../../domain/amendments.ts';

export async function findAmendmentById(db: Db, amendmentId: string): Promise<AmendmentRow | undefined> {
	return db.selectFrom('amendments').selectAll().where('id', '=', amendmentId).executeTakeFirst();
}

/** A document's amendments in the order they were proposed. */
export async function findAmendmentsOfDocument(db: Db, documentId: string): Promise<AmendmentRow[]> {
	return db.selectFrom('amendments').selectAll().where('document_id', '=', documentId).orderBy('number').execute();
}

/** The polls bound to these amendments with their meeting's title, oldest first. */
export async function findAmendmentPolls(db: Db, amendmentIds: readonly string[]): Promise<Array<PollRow & { meeting_title: string }>> {
	if (amendmentIds.length === 0) return [];
	return db
		.selectFrom('polls')
		.innerJoin('meetings', 'meetings.id', 'polls.meeting_id')
		.selectAll('polls')
		.select('meetings.title as meeting_title')
		.where('polls.amendment_id', 'in', [...amendmentIds])
		.orderBy('polls.created_at')
		.execute();
}

/**
 * Numbers and inserts an amendment in the caller's transaction: the document row is locked first,
 * so two proposals at once never take the same number.
 */
export async function insertAmendment(
	trx: Db,
	amendment: Pick<
		AmendmentRow,
		'id' | 'document_id' | 'proposer_id' | 'proposer_name' | 'anchor_from' | 'anchor_to' | 'quote' | 'replacement' | 'reason'
	>
): Promise<AmendmentRow> {
	await trx.selectFrom('documents').select('id').where('id', '=', amendment.document_id).forUpdate().executeTakeFirstOrThrow();
	const last = await trx
		.selectFrom('amendments')
		.select((eb) => eb.fn.max('number').as('number'))
		.where('document_id', '=', amendment.document_id)
		.executeTakeFirst();
	return trx
		.insertInto('amendments')
		.values({ ...amendment, number: Number(last?.number ?? 0) + 1 })
		.returningAll()
		.executeTakeFirstOrThrow();
}

/**
 * Moves an amendment from one of `from` to `to`; undefined when it was no longer in `from`
 * (someone else moved it first), so each transition happens once.
 */
export async function updateAmendmentStatus(
	db: Db,
	amendmentId: string,
	from: readonly AmendmentStatus[],
	to: AmendmentStatus,
	decidedBy: string | null = null
): Promise<AmendmentRow | undefined> {
	const decided = to !== 'proposed' && to !== 'voting';
	return db
		.updateTable('amendments')
		.set({ status: to, decided_at: decided ? new Date() : null, decided_by: decided ? decidedBy : null })
		.where('id', '=', amendmentId)
		.where('status', 'in', [...from])
		.returningAll()
		.executeTakeFirst();
}

/** The amendments put to the vote in a meeting, with the document's title and the poll that decided them. */
export async function findAmendmentsVotedIn(
	db: Db,
	meetingId: string
): Promise<Array<AmendmentRow & { document_title: string; poll_id: string }>> {
	return db
		.selectFrom('polls')
		.innerJoin('amendments', 'amendments.id', 'polls.amendment_id')
		.innerJoin('documents', 'documents.id', 'amendments.document_id')
		.selectAll('amendments')
		.select(['documents.title as document_title', 'polls.id as poll_id'])
		.where('polls.meeting_id', '=', meetingId)
		.where('polls.status', '=', 'closed')
		.orderBy('polls.closed_at')
		.execute();
}
