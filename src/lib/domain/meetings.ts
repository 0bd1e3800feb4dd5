/** A meeting's life and its speaker queue, shared by the browser and the server. */

/** planned → live → closed, one step at a time; a planned meeting may be cancelled instead. */
export const meetingStatuses = ['planned', 'live', 'closed', 'cancelled'] as const;
export type MeetingStatus = (typeof meetingStatuses)[number];

/** A request to speak: waiting in the queue, speaking now, then done (or withdrawn). */
export const speakerStatuses = ['waiting', 'speaking', 'done', 'withdrawn'] as const;
export type SpeakerStatus = (typeof speakerStatuses)[number];

/**
 * How someone takes part in a live meeting: with Tavolo open ('app'), or checked in by the
 * moderator as present in the council chamber ('room') or only on the video call ('call').
 */
export const attendanceModes = ['app', 'room', 'call'] as const;
export type AttendanceMode = (typeof attendanceModes)[number];
/** The modes a moderator checks people in with. */
export const checkInModes = ['room', 'call'] as const;
export type CheckInMode = (typeof checkInModes)[number];
