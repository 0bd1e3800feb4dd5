/** The kinds of poll, where one stands and who sees its results, shared by the browser and the server. */

export const pollKinds = ['single', 'multiple', 'ranked', 'dots', 'yesno', 'scheduling'] as const;
export type PollKind = (typeof pollKinds)[number];

/** The kinds a poll on a table's topics may be: they rank the options by what they count (first: the default). */
export const topicPollKinds = ['ranked', 'dots', 'multiple', 'single'] as const satisfies readonly PollKind[];

/** draft → open → closed; a closed poll never reopens. */
export const pollStatuses = ['draft', 'open', 'closed'] as const;
export type PollStatus = (typeof pollStatuses)[number];

/** When members other than the facilitators see the results (unless revealed earlier). */
export const resultsVisibilities = ['live', 'after_close', 'hidden'] as const;
export type ResultsVisibility = (typeof resultsVisibilities)[number];

/** The majority that passes a yes/no motion. */
export const majorityRules = ['simple', 'absolute', 'two_thirds'] as const;
export type MajorityRule = (typeof majorityRules)[number];
