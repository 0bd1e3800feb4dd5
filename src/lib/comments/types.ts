/**
 * Comments on a document's text as the JSON API (`GET /api/v1/documents/:id/comments`) answers
 * them and the browser shows them. Dates are ISO strings: the same shape over HTTP and in a page.
 */

/** Where a thread is anchored: two Yjs relative positions (base64) and the text quoted then. */
export interface CommentAnchor {
	from: string;
	to: string;
	quote: string;
}

export interface CommentPerson {
	id: string;
	name: string;
}

export interface CommentView {
	id: string;
	/** null when the author's account was removed; authorName still says who wrote it. */
	authorId: string | null;
	authorName: string;
	body: string;
	mentions: CommentPerson[];
	createdAt: string;
}

export interface CommentThreadView extends CommentView {
	anchor: CommentAnchor;
	resolved: { at: string; by: CommentPerson | null } | null;
	replies: CommentView[];
}

export interface DocumentCommentsView {
	threads: CommentThreadView[];
	/** Members who can be mentioned (everyone on the table). */
	members: CommentPerson[];
	/** The caller may start, answer, resolve and reopen threads now. */
	canComment: boolean;
	/** Why not, when canComment is false. */
	readOnlyReason: 'observer' | 'final' | null;
}

/** Limits on a comment; named here so the form, the API and docs/api.md agree. */
export const commentLimits = {
	body: 4000,
	quote: 1000,
	/** An encoded relative position is a few dozen bytes; this leaves room and refuses junk. */
	anchor: 512,
	mentions: 20
} as const;
