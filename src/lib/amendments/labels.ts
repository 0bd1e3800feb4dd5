import { m } from '$lib/paraglide/messages.js';
import type { AmendmentStatus } from '$lib/domain/amendments.ts';

/** proposta · in votazione · approvata e applicata · respinta · superata · ritirata. */
export function amendmentStatusLabel(status: AmendmentStatus): string {
	switch (status) {
		case 'proposed':
			return m.amend_status_proposed();
		case 'voting':
			return m.amend_status_voting();
		case 'accepted':
			return m.amend_status_accepted();
		case 'rejected':
			return m.amend_status_rejected();
		case 'superseded':
			return m.amend_status_superseded();
		case 'withdrawn':
			return m.amend_status_withdrawn();
	}
}
