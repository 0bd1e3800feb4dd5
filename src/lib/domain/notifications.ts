/** Notifications as the browser and the server both see them (issue 14). */

export const notificationKinds = [
	'mention',
	'document_review',
	'document_final',
	'meeting_convened',
	'meeting_changed',
	'meeting_cancelled',
	'invitation_accepted'
] as const;
export type NotificationKind = (typeof notificationKinds)[number];

/** E-mail: one per notification, one digest a day, or none. In the app they always arrive. */
export const notificationEmailModes = ['immediate', 'digest', 'none'] as const;
export type NotificationEmailMode = (typeof notificationEmailModes)[number];

export type NotificationMailState = 'pending' | 'sent' | 'skipped';

/** What the text needs, as it was when it happened (a later rename does not rewrite history). */
export interface NotificationPayload {
	/** Who did it. */
	actorName?: string;
	tableTitle?: string;
	/** The document's or meeting's title. */
	title?: string;
	/** mention: the start of the comment. */
	excerpt?: string;
	/** meeting kinds: when it starts (ISO). */
	startsAt?: string;
	/** meeting_cancelled: why, if given. */
	reason?: string;
}

/** `GET /api/v1/notifications`: one entry of `notifications`. */
export interface NotificationView {
	id: string;
	kind: NotificationKind;
	tableId: string;
	subjectId: string;
	payload: NotificationPayload;
	/** The page it is about, relative to the app (e.g. `/documents/<id>`). */
	href: string;
	createdAt: string;
	readAt: string | null;
}

export interface NotificationList {
	notifications: NotificationView[];
	unread: number;
}

/** The page a notification leads to. */
export function notificationHref(kind: NotificationKind, tableId: string, subjectId: string): string {
	switch (kind) {
		case 'mention':
		case 'document_review':
		case 'document_final':
			return `/documents/${subjectId}`;
		case 'meeting_convened':
		case 'meeting_changed':
		case 'meeting_cancelled':
			return `/meetings/${subjectId}`;
		case 'invitation_accepted':
			return `/tables/${tableId}`;
	}
}
