import { m } from '$lib/paraglide/messages.js';
import type { MeetingStatus } from '$lib/domain/meetings.ts';

export function meetingStatusLabel(status: MeetingStatus): string {
	switch (status) {
		case 'planned':
			return m.meeting_status_planned();
		case 'live':
			return m.meeting_status_live();
		case 'closed':
			return m.meeting_status_closed();
	}
}
