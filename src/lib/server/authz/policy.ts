import { tableRoles, type TableRole } from '../../domain/tables.ts';

/**
 * Who may do what on a table: the one role × action table of the app. Pages, form actions, the
 * JSON API, socket.io and /yjs all ask `can()`; docs/authorization.md renders the same table.
 * An admin may do everything on every table (they set tables up before anyone is invited).
 */
export const tableActions = [
	'table.view',
	'table.update',
	'member.view',
	'member.contact',
	'member.manage',
	'invitation.manage',
	'meeting.view',
	'meeting.create',
	'meeting.run',
	'agenda.edit',
	'document.view',
	'document.create',
	'document.edit',
	'document.review',
	'poll.manage',
	'poll.vote',
	'topic.propose',
	'commitment.record',
	'commitment.review',
	'attachment.view',
	'attachment.upload',
	'attachment.manage'
] as const;
export type TableAction = (typeof tableActions)[number];

const everyone: readonly TableRole[] = tableRoles;
const writers: readonly TableRole[] = ['coordinator', 'moderator', 'participant'];
const facilitators: readonly TableRole[] = ['coordinator', 'moderator'];
const coordinators: readonly TableRole[] = ['coordinator'];

export const tablePolicy: Record<TableAction, readonly TableRole[]> = {
	'table.view': everyone,
	'table.update': coordinators,
	'member.view': everyone,
	// Members see each other's name, role, category and body; e-mail addresses only coordinators.
	'member.contact': coordinators,
	'member.manage': coordinators,
	'invitation.manage': coordinators,
	'meeting.view': everyone,
	'meeting.create': coordinators,
	'meeting.run': facilitators,
	'agenda.edit': writers,
	'document.view': everyone,
	'document.create': facilitators,
	'document.edit': writers,
	'document.review': coordinators,
	'poll.manage': facilitators,
	'poll.vote': writers,
	'topic.propose': writers,
	// Who does what by when: recorded in the room; its owner, or a coordinator, marks progress.
	'commitment.record': facilitators,
	'commitment.review': coordinators,
	'attachment.view': everyone,
	'attachment.upload': writers,
	// Deletes anyone's file; uploaders delete their own (attachments/service.ts).
	'attachment.manage': coordinators
};

/** Actions that are not about one table: only an admin may do them. */
export const globalActions = [
	'programme.manage',
	'table.create',
	'category.manage',
	'accessibility_feedback.manage',
	'organization.manage'
] as const;
export type GlobalAction = (typeof globalActions)[number];

export interface Actor {
	isAdmin: boolean;
	/** The actor's role on the table in question; null when not a member. */
	role: TableRole | null;
}

export function can(actor: Actor, action: TableAction | GlobalAction): boolean {
	if (actor.isAdmin) return true;
	if ((globalActions as readonly string[]).includes(action)) return false;
	if (actor.role === null) return false;
	return tablePolicy[action as TableAction].includes(actor.role);
}
