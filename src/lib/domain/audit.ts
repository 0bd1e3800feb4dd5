/** What a table's audit log records, shared by the server that writes it and the page that filters it. */

export const auditActions = [
	'document.status',
	'document.version',
	'document.export',
	'document.restore',
	'member.update',
	'member.remove',
	'poll.open',
	'poll.close',
	'minutes.create',
	'convocation.send',
	'convocation.reminder'
] as const;
export type AuditAction = (typeof auditActions)[number];
