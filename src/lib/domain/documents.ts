/** What a table's documents are and where each stands, shared by the browser and the server. */

export const documentKinds = ['protocol', 'guideline', 'agreement', 'minutes', 'rules', 'other'] as const;
export type DocumentKind = (typeof documentKinds)[number];

/** draft → in review → final, in this order (the lifecycle shows them as steps). */
export const documentStatuses = ['draft', 'in_review', 'final'] as const;
export type DocumentStatus = (typeof documentStatuses)[number];
