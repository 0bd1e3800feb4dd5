import type { Db } from '../db/connect.ts';
import type { PollRow } from '../db/schema.ts';
import type { LiveDocuments } from '../live-documents.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { recordAudit } from '../audit/service.ts';
import type { PollResults } from '../../polls/tally.ts';
import { replacePassage } from '../../amendments/passage.ts';
import { documentDocName } from '../../realtime/doc-names.ts';
import type { AmendmentStatus } from '../../domain/amendments.ts';
import { findAmendmentById, updateAmendmentStatus } from './queries.ts';

export interface SettleDeps {
	db: Db;
	/** The /yjs endpoint, which writes the accepted replacement into the live text. */
	liveDocuments: LiveDocuments;
}

/**
 * The origin of the Yjs transaction that applies an accepted amendment: the table's decision, not
 * the edit of whoever closed the vote (their editor's undo never reverts it).
 */
export interface AmendmentOrigin {
	kind: 'amendment';
	tableId: string;
	amendmentId: string;
}

/**
 * A poll bound to an amendment has closed (polls/service.ts `closePoll`): the outcome decides it.
 * Rejected (no yes/no majority, or no quorum): kept on record as rejected. Accepted: the
 * replacement goes into the live text as one Yjs transaction, if the passage still reads as quoted;
 * otherwise (edited since, or the document made final) it is superseded and the text is untouched.
 * Returns the amendment's new status, or null for a poll that decides no amendment.
 */
export async function settleAmendmentPoll(
	deps: SettleDeps,
	closedBy: SessionUser,
	poll: PollRow,
	results: PollResults
): Promise<AmendmentStatus | null> {
	if (!poll.amendment_id) return null;
	const amendment = await findAmendmentById(deps.db, poll.amendment_id);
	if (!amendment || amendment.status !== 'voting') return null;
	const document = await deps.db
		.selectFrom('documents')
		.select(['id', 'table_id', 'title', 'status'])
		.where('id', '=', amendment.document_id)
		.executeTakeFirstOrThrow();
	const outcome = results.outcome;
	let status: AmendmentStatus;
	if (!outcome?.passed) status = 'rejected';
	else if (document.status === 'final') status = 'superseded';
	else {
		const origin: AmendmentOrigin = { kind: 'amendment', tableId: document.table_id, amendmentId: amendment.id };
		const applied = await deps.liveDocuments.transact(documentDocName(document.id), origin, (doc) =>
			replacePassage(doc, { from: amendment.anchor_from, to: amendment.anchor_to }, amendment.quote, amendment.replacement, origin)
		);
		status = applied.ok ? 'accepted' : 'superseded';
	}
	const decided = await updateAmendmentStatus(deps.db, amendment.id, ['voting'], status, closedBy.id);
	if (!decided) return null;
	await recordAudit(deps.db, {
		tableId: document.table_id,
		// The table decided: the change is its own, not that of whoever closed the vote.
		actor: null,
		action: 'amendment.decide',
		subjectId: document.id,
		subjectLabel: document.title,
		details: {
			amendmentId: amendment.id,
			number: amendment.number,
			status,
			pollId: poll.id,
			closedBy: closedBy.name,
			yes: outcome?.yes ?? 0,
			no: outcome?.no ?? 0,
			abstain: outcome?.abstain ?? 0
		}
	});
	return status;
}
