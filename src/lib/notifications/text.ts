import { m } from '$lib/paraglide/messages.js';
import { formatRomeDate, formatRomeTime } from '$lib/meetings/rome-time.ts';
import type { NotificationKind, NotificationPayload } from '../domain/notifications.ts';

/**
 * The sentence a notification says, in the bell's list and in its e-mail, from what was recorded
 * when it happened (names and titles as they were then).
 */
export function notificationText(kind: NotificationKind, payload: NotificationPayload): string {
	const actor = payload.actorName ?? m.notif_someone();
	const title = payload.title ?? '';
	const table = payload.tableTitle ?? '';
	const starts = payload.startsAt ? new Date(payload.startsAt) : null;
	const when = starts ? m.notif_when({ date: formatRomeDate(starts), time: formatRomeTime(starts) }) : '';
	switch (kind) {
		case 'mention':
			return m.notif_text_mention({ actor, title, table });
		case 'document_review':
			return m.notif_text_document_review({ actor, title, table });
		case 'document_final':
			return m.notif_text_document_final({ title, table });
		case 'meeting_convened':
			return m.notif_text_meeting_convened({ actor, title, table, when });
		case 'meeting_changed':
			return m.notif_text_meeting_changed({ title, table, when });
		case 'meeting_cancelled':
			return m.notif_text_meeting_cancelled({ title, table });
		case 'invitation_accepted':
			return m.notif_text_invitation_accepted({ actor, table });
	}
}
