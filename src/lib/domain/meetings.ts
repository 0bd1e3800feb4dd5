/** A meeting's life and its speaker queue, shared by the browser and the server. */

/** planned → live → closed, one step at a time. */
export const meetingStatuses = ['planned', 'live', 'closed'] as const;
export type MeetingStatus = (typeof meetingStatuses)[number];

/** A request to speak: waiting in the queue, speaking now, then done (or withdrawn). */
export const speakerStatuses = ['waiting', 'speaking', 'done', 'withdrawn'] as const;
export type SpeakerStatus = (typeof speakerStatuses)[number];
