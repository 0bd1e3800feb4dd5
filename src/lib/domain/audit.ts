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
	'poll.tie_break',
	'minutes.create',
	'convocation.send',
	'convocation.reminder',
	'meeting.update',
	'meeting.cancel',
	'document.approval_poll',
	'commitment.create',
	'commitment.update',
	'commitment.reminder',
	'attachment.upload',
	'attachment.delete',
	'amendment.propose',
	'amendment.poll',
	'amendment.decide',
	'amendment.withdraw'
] as const;
export type AuditAction = (typeof auditActions)[number];
