import type { AmendmentStatus } from '../domain/amendments.ts';
import type { CommentAnchor } from '../comments/types.ts';

/**
 * Amendments to a document's text as the JSON API (`GET /api/v1/documents/:id/amendments`)
 * answers them and the browser shows them. Dates are ISO strings.
 */

/** The vote that decides (or decided) an amendment. */
export interface AmendmentPollView {
	id: string;
	meetingId: string;
	meetingTitle: string;
	status: 'draft' | 'open' | 'closed';
	/** Counts once the poll is closed; null before. */
	outcome: { yes: number; no: number; abstain: number; passed: boolean } | null;
}

export interface AmendmentView {
	id: string;
	documentId: string;
	/** 1, 2, 3… within the document. */
	number: number;
	status: AmendmentStatus;
	/** Where the passage is (Yjs relative positions) and its text when proposed. */
	anchor: CommentAnchor;
	replacement: string;
	reason: string;
	proposer: { id: string | null; name: string };
	createdAt: string;
	decidedAt: string | null;
	/** The latest poll bound to it, if any. */
	poll: AmendmentPollView | null;
}

export interface DocumentAmendmentsView {
	amendments: AmendmentView[];
	/** The caller may propose amendments now. */
	canPropose: boolean;
	/** The caller may put amendments to the vote and withdraw any (a moderator, a coordinator). */
	canManage: boolean;
	/** Why the caller may not propose: an observer, or a final document. */
	readOnlyReason: 'observer' | 'final' | null;
}
