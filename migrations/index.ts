import type { Migration } from 'kysely';
import * as createAccounts from './20261127160000_create_accounts.ts';
import * as createProgrammesAndTables from './20261127160100_create_programmes_and_tables.ts';
import * as createMembershipsAndInvitations from './20261127160200_create_memberships_and_invitations.ts';
import * as createMeetingsAndDocuments from './20261127160300_create_meetings_and_documents.ts';
import * as createYjsUpdates from './20261127170000_create_yjs_updates.ts';
import * as createPolls from './20261127180000_create_polls.ts';
import * as createMeetingLiveState from './20261127180100_create_meeting_live_state.ts';
import * as createMeetingAttendance from './20261127180200_create_meeting_attendance.ts';
import * as createTopics from './20261127180300_create_topics.ts';
import * as createDocumentVersions from './20261127190000_create_document_versions.ts';
import * as addDocumentOrigin from './20261127190100_add_document_origin.ts';
import * as createAuditEvents from './20261127190200_create_audit_events.ts';
import * as addNextMeetingLinks from './20261127200100_add_next_meeting_links.ts';
import * as createDocumentComments from './20261127200500_create_document_comments.ts';
import * as createMeetingMinutes from './20261127200700_create_meeting_minutes.ts';
import * as createConvocations from './20261127200800_create_convocations.ts';
import * as addVersionDigestAndApproval from './20261127230000_add_version_digest_and_approval.ts';
import * as dropBallotSecret from './20261130110000_drop_ballot_secret.ts';
import * as addPublishedResults from './20261130110001_add_published_results.ts';
import * as addEmailVerificationAndPasswordReset from './20261130130000_add_email_verification_and_password_reset.ts';
import * as addMeetingStartedClosedAt from './20261130140000_add_meeting_started_closed_at.ts';
import * as addPollTieChoice from './20261201110000_add_poll_tie_choice.ts';
import * as addMeetingChanges from './20261201120000_add_meeting_changes.ts';
import * as createMeetingCheckIns from './20261201130000_create_meeting_check_ins.ts';
import * as createMeetingFocusHistory from './20261201130100_create_meeting_focus_history.ts';
import * as addMeetingFocusDocument from './20261201140000_add_meeting_focus_document.ts';
import * as createPresenceVersions from './20261202100000_create_presence_versions.ts';
import * as createAccessibilityFeedback from './20261203100000_create_accessibility_feedback.ts';
import * as addOrganizationIdentity from './20261204100000_add_organization_identity.ts';
import * as addConvocationProtocolNumber from './20261204100100_add_convocation_protocol_number.ts';
import * as addOrganizationLogo from './20261204100200_add_organization_logo.ts';
import * as addInvitationMail from './20261204200000_add_invitation_mail.ts';
import * as createNotifications from './20261205100000_create_notifications.ts';
import * as createNotificationSettings from './20261205100100_create_notification_settings.ts';
import * as addConvocationRecipientCategory from './20261205200000_add_convocation_recipient_category.ts';
import * as createAttachments from './20261206100000_create_attachments.ts';
import * as addMeetingFocusAttachment from './20261206100100_add_meeting_focus_attachment.ts';
import * as addPollApprovalTarget from './20261206200000_add_poll_approval_target.ts';
import * as createCommitments from './20261206200100_create_commitments.ts';
import * as createAmendments from './20261207100000_create_amendments.ts';

/**
 * Every migration, by name. Listed statically (not read from the folder) so the same list works
 * under tsx, Vitest and Vite's dev server alike. Add new ones at the end; never edit old ones.
 */
export const migrations: Record<string, Migration> = {
	'20261127160000_create_accounts': createAccounts,
	'20261127160100_create_programmes_and_tables': createProgrammesAndTables,
	'20261127160200_create_memberships_and_invitations': createMembershipsAndInvitations,
	'20261127160300_create_meetings_and_documents': createMeetingsAndDocuments,
	'20261127170000_create_yjs_updates': createYjsUpdates,
	'20261127180000_create_polls': createPolls,
	'20261127180100_create_meeting_live_state': createMeetingLiveState,
	'20261127180200_create_meeting_attendance': createMeetingAttendance,
	'20261127180300_create_topics': createTopics,
	'20261127190000_create_document_versions': createDocumentVersions,
	'20261127190100_add_document_origin': addDocumentOrigin,
	'20261127190200_create_audit_events': createAuditEvents,
	'20261127200100_add_next_meeting_links': addNextMeetingLinks,
	'20261127200500_create_document_comments': createDocumentComments,
	'20261127200700_create_meeting_minutes': createMeetingMinutes,
	'20261127200800_create_convocations': createConvocations,
	'20261127230000_add_version_digest_and_approval': addVersionDigestAndApproval,
	'20261130110000_drop_ballot_secret': dropBallotSecret,
	'20261130110001_add_published_results': addPublishedResults,
	'20261130130000_add_email_verification_and_password_reset': addEmailVerificationAndPasswordReset,
	'20261130140000_add_meeting_started_closed_at': addMeetingStartedClosedAt,
	'20261201110000_add_poll_tie_choice': addPollTieChoice,
	'20261201120000_add_meeting_changes': addMeetingChanges,
	'20261201130000_create_meeting_check_ins': createMeetingCheckIns,
	'20261201130100_create_meeting_focus_history': createMeetingFocusHistory,
	'20261201140000_add_meeting_focus_document': addMeetingFocusDocument,
	'20261202100000_create_presence_versions': createPresenceVersions,
	'20261203100000_create_accessibility_feedback': createAccessibilityFeedback,
	'20261204100000_add_organization_identity': addOrganizationIdentity,
	'20261204100100_add_convocation_protocol_number': addConvocationProtocolNumber,
	'20261204100200_add_organization_logo': addOrganizationLogo,
	'20261204200000_add_invitation_mail': addInvitationMail,
	'20261205100000_create_notifications': createNotifications,
	'20261205100100_create_notification_settings': createNotificationSettings,
	'20261205200000_add_convocation_recipient_category': addConvocationRecipientCategory,
	'20261206100000_create_attachments': createAttachments,
	'20261206100100_add_meeting_focus_attachment': addMeetingFocusAttachment,
	'20261206200000_add_poll_approval_target': addPollApprovalTarget,
	'20261206200100_create_commitments': createCommitments,
	'20261207100000_create_amendments': createAmendments
};
