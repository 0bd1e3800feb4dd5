import { m } from '$lib/paraglide/messages.js';
import type { AttendanceMode, MeetingStatus } from '$lib/domain/meetings.ts';

export function meetingStatusLabel(status: MeetingStatus): string {
	switch (status) {
		case 'planned':
			return m.meeting_status_planned();
		case 'live':
			return m.meeting_status_live();
		case 'closed':
			return m.meeting_status_closed();
		case 'cancelled':
			return m.meeting_status_cancelled();
	}
}

/** "in Tavolo", "in sala", "in videochiamata": how someone took part. */
export function attendanceModeLabel(mode: AttendanceMode): string {
	switch (mode) {
		case 'app':
			return m.attendance_mode_app();
		case 'room':
			return m.attendance_mode_room();
		case 'call':
			return m.attendance_mode_call();
	}
}
