/** Where a topic of a table's backlog stands, shared by the browser and the server. */

/** open (proposed), polled (put to a topic poll), scheduled (on a meeting's agenda). */
export const topicStatuses = ['open', 'polled', 'scheduled'] as const;
export type TopicStatus = (typeof topicStatuses)[number];
