import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { AuditAction } from '../../domain/audit.ts';
import type { DocumentKind, DocumentStatus } from '../../domain/documents.ts';
import type { CheckInMode, MeetingStatus, SpeakerStatus } from '../../domain/meetings.ts';
import type { MajorityRule, PollKind, PollStatus, ResultsVisibility } from '../../domain/polls.ts';
import type { TableRole } from '../../domain/tables.ts';
import type { TopicStatus } from '../../domain/topics.ts';
import type { CommitmentStatus } from '../../domain/commitments.ts';
import type { AmendmentStatus } from '../../domain/amendments.ts';
import type { NotificationEmailMode, NotificationKind, NotificationMailState, NotificationPayload } from '../../domain/notifications.ts';

/** Kept by hand beside migrations/: a column added there is added here in the same commit. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface UsersTable {
	id: string;
	email: string;
	name: string;
	password_hash: string;
	is_admin: Generated<boolean>;
	/** Null until the owner opened the link mailed to the address. */
	email_verified_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
	created_at: CreatedAt;
}

/** One-time links (`<id>.<secret>`): only the SHA-256 of the secret is kept. */
export interface EmailVerificationsTable {
	id: string;
	secret_hash: string;
	user_id: string;
	email: string;
	expires_at: Timestamp;
	created_at: CreatedAt;
}

export interface PasswordResetsTable {
	id: string;
	secret_hash: string;
	user_id: string;
	expires_at: Timestamp;
	created_at: CreatedAt;
}

export interface SessionsTable {
	id: string;
	user_id: string;
	expires_at: Timestamp;
	created_at: CreatedAt;
}

export interface OrganizationsTable {
	id: string;
	name: string;
	created_at: CreatedAt;
	/** The identity an admin sets (src/lib/server/organization/service.ts); '' when not given. */
	short_name: Generated<string>;
	place: Generated<string>;
	address: Generated<string>;
	email: Generated<string>;
	pec: Generated<string>;
	website: Generated<string>;
	signatory_name: Generated<string>;
	signatory_title: Generated<string>;
	footer: Generated<string>;
	logo: Uint8Array | null;
	logo_type: 'image/png' | 'image/svg+xml' | null;
}

export interface ProgrammesTable {
	id: string;
	organization_id: string;
	name: string;
	description: Generated<string>;
	is_default: Generated<boolean>;
	created_at: CreatedAt;
}

export interface StakeholderCategoriesTable {
	id: string;
	programme_id: string;
	key: string;
	label_it: string;
	label_en: string;
	position: Generated<number>;
}

export interface TablesTable {
	id: string;
	programme_id: string;
	name: string;
	territory: string;
	description: Generated<string>;
	created_at: CreatedAt;
}

export interface TableExpectedCategoriesTable {
	table_id: string;
	category_id: string;
}

export interface MembershipsTable {
	id: string;
	table_id: string;
	user_id: string;
	role: TableRole;
	category_id: string | null;
	represented_body: Generated<string>;
	created_at: CreatedAt;
}

export interface InvitationsTable {
	id: string;
	table_id: string;
	token_hash: string;
	role: TableRole;
	email: string | null;
	category_id: string | null;
	max_uses: Generated<number>;
	uses: Generated<number>;
	expires_at: Timestamp;
	revoked_at: Timestamp | null;
	created_by: string | null;
	created_at: CreatedAt;
	/** Whom it is for, when it came from an imported list ('' otherwise). */
	name: Generated<string>;
	represented_body: Generated<string>;
	/** null: no address, nothing to mail; 'sent' or 'failed' (mail_error says why). */
	mail_status: 'sent' | 'failed' | null;
	mail_error: string | null;
	mailed_at: Timestamp | null;
}

export interface MeetingsTable {
	id: string;
	table_id: string;
	title: string;
	starts_at: Timestamp;
	ends_at: Timestamp;
	video_url: string | null;
	status: Generated<MeetingStatus>;
	created_by: string | null;
	created_at: CreatedAt;
	/** When it went live; null before (migrations/20261130140000_add_meeting_started_closed_at.ts). */
	started_at: Timestamp | null;
	/** When it closed; null before. */
	closed_at: Timestamp | null;
	/** The calendar event's SEQUENCE, raised at every change (migrations/20261201120000_add_meeting_changes.ts). */
	calendar_sequence: Generated<number>;
	/** When and why it was cancelled (status `cancelled`). */
	cancelled_at: Timestamp | null;
	cancel_reason: string | null;
}

export interface DocumentsTable {
	id: string;
	table_id: string;
	kind: DocumentKind;
	title: string;
	status: Generated<DocumentStatus>;
	created_by: string | null;
	created_at: CreatedAt;
	updated_at: Generated<Date>;
	/** The document and version this draft was restored from (migrations/20261127190100_add_document_origin.ts). */
	source_document_id: string | null;
	source_version_number: number | null;
}

/** A numbered, immutable version of a document (migrations/20261127190000_create_document_versions.ts). */
export interface DocumentVersionsTable {
	id: string;
	document_id: string;
	number: number;
	/** The full encoded Yjs state (Y.encodeStateAsUpdate) when it was frozen. */
	state: Uint8Array;
	html: string;
	markdown: string;
	note: Generated<string>;
	/** Frozen when the document was finalized. */
	final: Generated<boolean>;
	created_by: string | null;
	created_by_name: string;
	created_at: CreatedAt;
	/** SHA-256 (hex) of the Markdown (migrations/20261127230000_add_version_digest_and_approval.ts). */
	content_sha256: Generated<string>;
	/** The yes/no poll that approved this final version, and its outcome as JSON. */
	approval_poll_id: string | null;
	approval: string | null;
}

/** The append-only audit log of a table (migrations/20261127190200_create_audit_events.ts). */
export interface AuditEventsTable {
	id: Generated<string>;
	table_id: string;
	actor_id: string | null;
	actor_name: string;
	action: AuditAction;
	subject_id: string | null;
	subject_label: Generated<string>;
	details: ColumnType<Record<string, unknown>, string | undefined, never>;
	created_at: CreatedAt;
}

/** The Yjs update log (server/persistence/): one row per committed update, folded by compaction. */
export interface YjsUpdatesTable {
	id: Generated<number>;
	doc_name: string;
	update: Uint8Array;
	created_at: CreatedAt;
}

/** A document's compacted state: the merge of every log row it replaced. */
export interface YjsSnapshotsTable {
	doc_name: string;
	state: Uint8Array;
	last_update_id: number;
	updated_at: Timestamp;
}

/** A poll of a meeting (migrations/20261127180000_create_polls.ts). */
export interface PollsTable {
	id: string;
	meeting_id: string;
	question: string;
	kind: PollKind;
	status: Generated<PollStatus>;
	anonymous: Generated<boolean>;
	results_visible: Generated<ResultsVisibility>;
	revealed_at: Timestamp | null;
	max_choices: number | null;
	dots: number | null;
	majority: MajorityRule | null;
	quorum: number | null;
	/**
	 * Anonymous polls only, while open: the counts last published (JSON PollResults), published in
	 * batches (polls/results-pacer.ts). The ballot key itself never reaches the database
	 * (polls/ballot-keys.ts, migrations/20261130110000_drop_ballot_secret.ts).
	 */
	published_results: string | null;
	created_by: string | null;
	created_at: CreatedAt;
	opened_at: Timestamp | null;
	closed_at: Timestamp | null;
	/** scheduling polls: the meeting created from the result (migrations/20261127200100_add_next_meeting_links.ts). */
	next_meeting_id: string | null;
	/** A tie among the leaders decided by the moderator: the option, who, when (migrations/20261201110000_add_poll_tie_choice.ts). */
	tie_choice: string | null;
	tie_chosen_by: string | null;
	tie_chosen_at: Timestamp | null;
	/** Approval polls only: the document version voted on and its SHA-256 (migrations/20261206200000_add_poll_approval_target.ts). */
	approval_document_id: ColumnType<string | null, string | null | undefined, string | null>;
	approval_version_number: ColumnType<number | null, number | null | undefined, number | null>;
	approval_content_sha256: ColumnType<string | null, string | null | undefined, string | null>;
	/** Amendment polls only: the amendment the yes/no vote decides (migrations/20261207100000_create_amendments.ts). */
	amendment_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PollOptionsTable {
	poll_id: string;
	id: string;
	position: number;
	label: string;
}

/** "Has voted": the unique (poll, user) row that makes each member count once. */
export interface PollVotersTable {
	poll_id: string;
	user_id: string;
}

/** "What was voted": keyed by user id (named polls) or by an HMAC of it (anonymous polls). */
export interface PollBallotsTable {
	poll_id: string;
	ballot_key: string;
	user_id: string | null;
	/** The normalised choice as JSON (option ids). */
	choice: string;
}

export interface MeetingLiveTable {
	meeting_id: string;
	focus_item_id: string | null;
	/** A document of the meeting's table shown read-only in the room's centre column. */
	focus_document_id: Generated<string | null>;
	updated_at: Generated<Date>;
	/** A PDF of the library in focus and the page the moderator shows (migrations/20261206100100). */
	focus_attachment_id: Generated<string | null>;
	focus_attachment_page: Generated<number>;
}

export interface MeetingTimersTable {
	meeting_id: string;
	item_id: string;
	duration_ms: number;
	elapsed_ms: Generated<number>;
	running_since: Timestamp | null;
}

export interface MeetingSpeakersTable {
	id: string;
	meeting_id: string;
	user_id: string;
	status: SpeakerStatus;
	position: number;
	raised_at: CreatedAt;
	started_at: Timestamp | null;
	ended_at: Timestamp | null;
}

export interface MeetingAttendanceTable {
	id: string;
	meeting_id: string;
	user_id: string;
	joined_at: CreatedAt;
	left_at: Timestamp | null;
}

/** Present in the council chamber or on the video call, by the moderator's check-in (migrations/20261201130000). */
export interface MeetingCheckInsTable {
	id: string;
	meeting_id: string;
	/** A member of the table; null for a guest named by the moderator. */
	user_id: string | null;
	guest_name: string | null;
	category_id: string | null;
	represented_body: Generated<string>;
	mode: CheckInMode;
	checked_in_at: CreatedAt;
	checked_out_at: Timestamp | null;
	checked_in_by: string | null;
	checked_out_by: string | null;
}

/** When each agenda item was in focus (migrations/20261201130100); ended_at null while it is. */
export interface MeetingFocusHistoryTable {
	id: string;
	meeting_id: string;
	item_id: string;
	started_at: CreatedAt;
	ended_at: Timestamp | null;
}

/** The topic backlog of a table (migrations/20261127180300_create_topics.ts). */
export interface TopicsTable {
	id: string;
	table_id: string;
	title: string;
	description: Generated<string>;
	status: Generated<TopicStatus>;
	poll_id: string | null;
	/** `scheduled`: the meeting whose agenda it was put on. */
	meeting_id: string | null;
	created_by: string | null;
	created_at: CreatedAt;
}

export interface TopicSupportsTable {
	topic_id: string;
	user_id: string;
	created_at: CreatedAt;
}

export interface TopicCommentsTable {
	id: string;
	topic_id: string;
	user_id: string | null;
	body: string;
	created_at: CreatedAt;
}

/** A comment on a document's text (migrations/20261127200500_create_document_comments.ts). */
export interface DocumentCommentsTable {
	id: string;
	document_id: string;
	/** null for a thread (the first comment, anchored); the thread's id for a reply. */
	parent_id: string | null;
	author_id: string | null;
	/** Copied in, so a thread still reads well after its author left. */
	author_name: string;
	body: string;
	/** Base64 of Y.encodeRelativePosition; set on threads, null on replies. */
	anchor_from: string | null;
	anchor_to: string | null;
	/** The text the thread was anchored to when it began. */
	quote: Generated<string>;
	resolved_at: Timestamp | null;
	resolved_by: string | null;
	created_at: CreatedAt;
}

/** A proposed replacement of a passage of a draft (migrations/20261207100000_create_amendments.ts). */
export interface AmendmentsTable {
	id: string;
	document_id: string;
	/** 1, 2, 3… per document, in the order they were proposed. */
	number: number;
	proposer_id: string | null;
	/** Copied in, so the record still reads well after the proposer left. */
	proposer_name: string;
	/** Base64 of Y.encodeRelativePosition, as a comment's anchor. */
	anchor_from: string;
	anchor_to: string;
	/** The passage's text when proposed: applied only while the text at the anchor is still this. */
	quote: string;
	replacement: string;
	reason: Generated<string>;
	status: Generated<AmendmentStatus>;
	created_at: CreatedAt;
	/** When it left 'proposed'/'voting' for an outcome, and who closed the vote or withdrew it. */
	decided_at: Timestamp | null;
	decided_by: string | null;
}

export interface CommentMentionsTable {
	comment_id: string;
	user_id: string;
}

/** Reports from the accessibility statement's form (migrations/20261203100000_create_accessibility_feedback.ts). */
export interface AccessibilityFeedbackTable {
	id: string;
	created_at: CreatedAt;
	user_id: string | null;
	name: Generated<string>;
	email: string;
	page: Generated<string>;
	message: string;
	status: ColumnType<'open' | 'handled', 'open' | 'handled' | undefined, 'open' | 'handled'>;
	handled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** The document holding a meeting's minutes (migrations/20261127200700_create_meeting_minutes.ts). */
export interface MeetingMinutesTable {
	meeting_id: string;
	document_id: string;
	created_at: CreatedAt;
}

/** A meeting's edited convocation letter and its sends (migrations/20261127200800_create_convocations.ts). */
export interface ConvocationsTable {
	meeting_id: string;
	/** null until the coordinator saves an edited letter: the generated one is used. */
	subject: string | null;
	body: string | null;
	updated_by: string | null;
	updated_at: Generated<Date>;
	sent_at: Timestamp | null;
	reminder_sent_at: Timestamp | null;
	/** The registry's number for the letter ("Prot. n. …"); '' when none. */
	protocol_number: Generated<string>;
}

/** Whoever was sent a meeting's calendar invitation: they get its updates and cancellation. */
export interface ConvocationRecipientsTable {
	meeting_id: string;
	email: string;
	name: string;
	user_id: string | null;
	first_sent_at: CreatedAt;
	/** Recipients from outside the table (orgx lane): their category and represented body. */
	category_id: string | null;
	represented_body: Generated<string>;
}

/** Issue 15, item 5: "who does what by when" (migrations/20261206200100_create_commitments.ts). */
export interface CommitmentsTable {
	id: string;
	table_id: string;
	meeting_id: string;
	title: string;
	/** The agenda item or the poll (a decision) it was recorded from, if any. */
	agenda_item_id: string | null;
	poll_id: string | null;
	owner_user_id: string | null;
	owner_body: string | null;
	/** A calendar day in Europe/Rome, `YYYY-MM-DD`. */
	due_on: ColumnType<string, string, string>;
	status: Generated<CommitmentStatus>;
	note: Generated<string>;
	created_by: string | null;
	created_at: CreatedAt;
	updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
	updated_by: string | null;
	reviewed_in_meeting_id: string | null;
	reminder_sent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** Notifications (migrations/20261205100000_create_notifications.ts, …100100_create_notification_settings.ts). */
export interface NotificationsTable {
	id: string;
	user_id: string;
	kind: NotificationKind;
	table_id: string;
	subject_id: string;
	actor_id: string | null;
	payload: ColumnType<NotificationPayload, string | undefined, string>;
	created_at: CreatedAt;
	read_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
	mail_state: ColumnType<NotificationMailState, NotificationMailState | undefined, NotificationMailState>;
}

export interface NotificationSettingsTable {
	user_id: string;
	email_mode: ColumnType<NotificationEmailMode, NotificationEmailMode | undefined, NotificationEmailMode>;
	digest_sent_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
	updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A file of a table's library (migrations/20261206100000_create_attachments.ts); bytes apart. */
export interface AttachmentsTable {
	id: string;
	table_id: string;
	title: string;
	filename: string;
	content_type: string;
	size: number;
	/** SHA-256 (hex) of the bytes. */
	sha256: string;
	uploaded_by: string | null;
	uploaded_by_name: string;
	created_at: CreatedAt;
	meeting_id: string | null;
	agenda_item_id: string | null;
	document_id: string | null;
	/** The earlier version this upload replaced (kept, no longer listed). */
	replaces_id: string | null;
}

export interface AttachmentContentsTable {
	attachment_id: string;
	content: Uint8Array;
}

export interface Database {
	commitments: CommitmentsTable;
	meeting_minutes: MeetingMinutesTable;
	convocations: ConvocationsTable;
	convocation_recipients: ConvocationRecipientsTable;
	users: UsersTable;
	sessions: SessionsTable;
	email_verifications: EmailVerificationsTable;
	password_resets: PasswordResetsTable;
	organizations: OrganizationsTable;
	programmes: ProgrammesTable;
	stakeholder_categories: StakeholderCategoriesTable;
	tables: TablesTable;
	table_expected_categories: TableExpectedCategoriesTable;
	memberships: MembershipsTable;
	invitations: InvitationsTable;
	meetings: MeetingsTable;
	documents: DocumentsTable;
	document_versions: DocumentVersionsTable;
	audit_events: AuditEventsTable;
	yjs_updates: YjsUpdatesTable;
	yjs_snapshots: YjsSnapshotsTable;
	polls: PollsTable;
	poll_options: PollOptionsTable;
	poll_voters: PollVotersTable;
	poll_ballots: PollBallotsTable;
	meeting_live: MeetingLiveTable;
	meeting_timers: MeetingTimersTable;
	meeting_speakers: MeetingSpeakersTable;
	meeting_attendance: MeetingAttendanceTable;
	meeting_check_ins: MeetingCheckInsTable;
	meeting_focus_history: MeetingFocusHistoryTable;
	topics: TopicsTable;
	topic_supports: TopicSupportsTable;
	topic_comments: TopicCommentsTable;
	document_comments: DocumentCommentsTable;
	comment_mentions: CommentMentionsTable;
	accessibility_feedback: AccessibilityFeedbackTable;
	notifications: NotificationsTable;
	notification_settings: NotificationSettingsTable;
	attachments: AttachmentsTable;
	attachment_contents: AttachmentContentsTable;
	amendments: AmendmentsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type TableRow = Selectable<TablesTable>;
export type MembershipRow = Selectable<MembershipsTable>;
export type InvitationRow = Selectable<InvitationsTable>;
export type MeetingRow = Selectable<MeetingsTable>;
export type DocumentRow = Selectable<DocumentsTable>;
export type DocumentVersionRow = Selectable<DocumentVersionsTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type PollRow = Selectable<PollsTable>;
export type DocumentCommentRow = Selectable<DocumentCommentsTable>;
export type AmendmentRow = Selectable<AmendmentsTable>;
