import type { Db } from '../db/connect.ts';
import { agendaLimits, type AgendaItemFields } from '../../agenda/agenda-doc.ts';
import { dayInstant, ownerLabel, type CommitmentStatus } from '../../domain/commitments.ts';
import { MEETING_TIME_ZONE } from '../../meetings/rome-time.ts';
import { findPendingCommitments, type Commitment } from './service.ts';

/**
 * The agenda item that checks a table's open commitments. An agenda is data, written in the
 * table's language (Italian), whoever's browser language made the meeting.
 */
export const commitmentsReviewTitle = 'Verifica degli impegni';
export const commitmentsReviewMinutes = 15;

const statusWords: Record<CommitmentStatus, string> = { open: 'aperto', in_progress: 'in corso', done: 'fatto', cancelled: 'annullato' };
const dueDate = new Intl.DateTimeFormat('it-IT', { timeZone: MEETING_TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric' });

/** One line per commitment: "Inviare il report — Anna Rossi (Comune) — entro il 12/03/2027 (aperto)". */
export function commitmentLine(commitment: Commitment): string {
	const due = dueDate.format(dayInstant(commitment.dueOn));
	return `${commitment.title} — ${ownerLabel(commitment.owner)} — entro il ${due} (${statusWords[commitment.status]})`;
}

export interface CommitmentsReview {
	item: Partial<AgendaItemFields> & { notes: string };
	commitmentIds: string[];
}

/**
 * "Verifica degli impegni" for a new meeting's agenda, listing the table's open commitments in its
 * notes; null when there are none. The caller marks them reviewed in the new meeting
 * (`markReviewed`) in the transaction that creates it.
 */
export async function commitmentsReviewItem(db: Db, tableId: string): Promise<CommitmentsReview | null> {
	const pending = await findPendingCommitments(db, tableId);
	if (pending.length === 0) return null;
	return {
		item: {
			title: commitmentsReviewTitle,
			minutes: commitmentsReviewMinutes,
			status: 'todo',
			// Within the agenda's limit on notes (the server refuses a longer agenda update).
			notes: pending
				.map((commitment) => `- ${commitmentLine(commitment)}`)
				.join('\n')
				.slice(0, agendaLimits.notesMax)
		},
		commitmentIds: pending.map((commitment) => commitment.id)
	};
}

export async function markReviewed(db: Db, review: CommitmentsReview | null, meetingId: string): Promise<void> {
	if (!review) return;
	await db.updateTable('commitments').set({ reviewed_in_meeting_id: meetingId }).where('id', 'in', review.commitmentIds).execute();
}
