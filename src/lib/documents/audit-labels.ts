import { m } from '$lib/paraglide/messages.js';
import type { AuditAction } from '$lib/domain/audit.ts';
import { documentStatuses, type DocumentStatus } from '$lib/domain/documents.ts';
import { tableRoles, type TableRole } from '$lib/domain/tables.ts';
import { roleLabel } from '$lib/tables/labels.ts';
import { commitmentStatuses, type CommitmentStatus } from '$lib/domain/commitments.ts';
import { commitmentStatusLabel } from '$lib/commitments/labels.ts';
import { documentStatusLabel } from './labels.ts';
import { amendmentStatuses, type AmendmentStatus } from '$lib/domain/amendments.ts';
import { amendmentStatusLabel } from '$lib/amendments/labels.ts';

export function auditActionLabel(action: AuditAction): string {
	switch (action) {
		case 'document.status':
			return m.audit_action_document_status();
		case 'document.version':
			return m.audit_action_document_version();
		case 'document.export':
			return m.audit_action_document_export();
		case 'document.restore':
			return m.audit_action_document_restore();
		case 'member.update':
			return m.audit_action_member_update();
		case 'member.remove':
			return m.audit_action_member_remove();
		case 'poll.open':
			return m.audit_action_poll_open();
		case 'poll.close':
			return m.audit_action_poll_close();
		case 'poll.tie_break':
			return m.audit_action_poll_tie_break();
		case 'minutes.create':
			return m.audit_action_minutes_create();
		case 'convocation.send':
			return m.audit_action_convocation_send();
		case 'convocation.reminder':
			return m.audit_action_convocation_reminder();
		case 'meeting.update':
			return m.audit_action_meeting_update();
		case 'meeting.cancel':
			return m.audit_action_meeting_cancel();
		case 'document.approval_poll':
			return m.appr_audit_approval_poll();
		case 'commitment.create':
			return m.appr_audit_commitment_create();
		case 'commitment.update':
			return m.appr_audit_commitment_update();
		case 'commitment.reminder':
			return m.appr_audit_commitment_reminder();
		case 'attachment.upload':
			return m.lib_audit_upload();
		case 'attachment.delete':
			return m.lib_audit_delete();
		case 'amendment.propose':
			return m.amend_audit_propose();
		case 'amendment.poll':
			return m.amend_audit_poll();
		case 'amendment.decide':
			return m.amend_audit_decide();
		case 'amendment.withdraw':
			return m.amend_audit_withdraw();
	}
}

const isStatus = (value: unknown): value is DocumentStatus => (documentStatuses as readonly unknown[]).includes(value);
const isCommitmentStatus = (value: unknown): value is CommitmentStatus => (commitmentStatuses as readonly unknown[]).includes(value);
const isAmendmentStatus = (value: unknown): value is AmendmentStatus => (amendmentStatuses as readonly unknown[]).includes(value);
const isRole = (value: unknown): value is TableRole => (tableRoles as readonly unknown[]).includes(value);

/** One readable line from an event's details, in the reader's language. */
export function auditDetails(event: { action: AuditAction; details: Record<string, unknown> }): string {
	const details = event.details;
	switch (event.action) {
		case 'document.status':
			return isStatus(details.from) && isStatus(details.to)
				? `${documentStatusLabel(details.from)} → ${documentStatusLabel(details.to)}`
				: '';
		case 'document.version': {
			const label = m.versions_number({ number: Number(details.number) });
			const note = typeof details.note === 'string' && details.note ? ` · ${details.note}` : '';
			return details.final ? `${label} · ${m.doc_status_final()}${note}` : `${label}${note}`;
		}
		case 'document.export': {
			const format = String(details.format ?? '').toUpperCase();
			return details.version
				? `${format} · ${m.versions_number({ number: Number(details.version) })}`
				: `${format} · ${m.versions_current()}`;
		}
		case 'document.restore':
			return m.audit_restored_from({ number: Number(details.version) });
		case 'member.update':
			return isRole(details.role) ? m.audit_role({ role: roleLabel(details.role) }) : '';
		case 'poll.tie_break':
			return typeof details.option === 'string' ? m.audit_tie_choice({ option: details.option }) : '';
		case 'poll.open':
		case 'poll.close':
			return typeof details.meeting === 'string' ? m.audit_meeting({ title: details.meeting }) : '';
		case 'convocation.send':
		case 'convocation.reminder':
		case 'commitment.reminder':
			return m.audit_mail_result({ sent: Number(details.sent ?? 0), total: Number(details.total ?? 0) });
		case 'document.approval_poll':
			return m.versions_number({ number: Number(details.version) });
		case 'commitment.update':
			return isCommitmentStatus(details.status) ? commitmentStatusLabel(details.status) : '';
		case 'amendment.propose':
		case 'amendment.poll':
		case 'amendment.withdraw':
			return m.amend_audit_number({ number: Number(details.number) });
		case 'amendment.decide':
			return isAmendmentStatus(details.status)
				? m.amend_audit_decided({ number: Number(details.number), status: amendmentStatusLabel(details.status) })
				: m.amend_audit_number({ number: Number(details.number) });
		case 'meeting.cancel':
			return typeof details.reason === 'string' && details.reason ? m.meeting_cancel_reason({ reason: details.reason }) : '';
		default:
			return '';
	}
}
