/** Where an amendment stands, shared by the browser and the server (issue 15, item 4). */

/**
 * proposta · in votazione · approvata (applied to the text) · respinta · superata (the passage
 * changed since it was proposed: not applied) · ritirata.
 */
export const amendmentStatuses = ['proposed', 'voting', 'accepted', 'rejected', 'superseded', 'withdrawn'] as const;
export type AmendmentStatus = (typeof amendmentStatuses)[number];

/** Still open: may be put to the vote (proposed) or is being voted on. */
export const openAmendmentStatuses = ['proposed', 'voting'] as const satisfies readonly AmendmentStatus[];

/** Statuses that may be withdrawn: not yet put to the vote, or superseded (the moderator decides what to do). */
export const withdrawableAmendmentStatuses = ['proposed', 'superseded'] as const satisfies readonly AmendmentStatus[];

/**
 * Limits on an amendment; named here so the form, the API and docs/api.md agree. The quote is the
 * exact passage replaced, so a longer selection is refused rather than cut (a comment's is cut).
 */
export const amendmentLimits = {
	quote: 2000,
	replacement: 4000,
	reason: 2000,
	/** An encoded relative position is a few dozen bytes (as a comment's anchor). */
	anchor: 512
} as const;
