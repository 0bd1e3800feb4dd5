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
import * as createDocumentComments from './20261127200500_create_document_comments.ts';
import * as addNextMeetingLinks from './20261127200100_add_next_meeting_links.ts';
import * as createMeetingMinutes from './20261127200700_create_meeting_minutes.ts';
import * as createConvocations from './20261127200800_create_convocations.ts';
import * as addVersionDigestAndApproval from './20261127230000_add_version_digest_and_approval.ts';

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
	'20261127230000_add_version_digest_and_approval': addVersionDigestAndApproval
};
