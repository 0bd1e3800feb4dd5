import { m } from '$lib/paraglide/messages.js';
import { dayInstant, ownerLabel, type CommitmentOwner, type CommitmentStatus } from '$lib/domain/commitments.ts';
import { formatRomeDate } from '$lib/meetings/rome-time.ts';

/** aperto · in corso · fatto · annullato. */
export function commitmentStatusLabel(status: CommitmentStatus): string {
	switch (status) {
		case 'open':
			return m.appr_commitment_status_open();
		case 'in_progress':
			return m.appr_commitment_status_in_progress();
		case 'done':
			return m.appr_commitment_status_done();
		case 'cancelled':
			return m.appr_commitment_status_cancelled();
	}
}

/** A due day (`YYYY-MM-DD`) as the reader's language writes a date. */
export function formatDueOn(day: string): string {
	return formatRomeDate(dayInstant(day));
}

/** Who answers for it, in one line. */
export function ownerText(owner: CommitmentOwner): string {
	return ownerLabel(owner) || m.appr_commitment_owner_unknown();
}
