/**
 * The names a table's members go by, shared by the browser and the server (this folder imports no
 * framework and nothing server-only). What each role may do is the policy table in
 * server/authz/policy.ts; how a role reads is the message catalogue (tables/labels.ts).
 */

export const tableRoles = ['coordinator', 'moderator', 'participant', 'observer'] as const;
export type TableRole = (typeof tableRoles)[number];
