import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { AuditAction } from '../../domain/audit.ts';
import type { DocumentKind, DocumentStatus } from '../../domain/documents.ts';
import type { MeetingStatus, SpeakerStatus } from '../../domain/meetings.ts';
import type { MajorityRule, PollKind, PollStatus, ResultsVisibility } from '../../domain/polls.ts';
import type { TableRole } from '../../domain/tables.ts';
import type { TopicStatus } from '../../domain/topics.ts';

/** Kept by hand beside migrations/: a column added there is added here in the same commit. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface UsersTable {
	id: string;
	email: string;
	name: string;
	password_hash: string;
	is_admin: Generated<boolean>;
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
	/** Anonymous polls only, while open: the HMAC key of ballot keys; erased on close. */
	ballot_secret: Uint8Array | null;
	created_by: string | null;
	created_at: CreatedAt;
	opened_at: Timestamp | null;
	closed_at: Timestamp | null;
	/** scheduling polls: the meeting created from the result (migrations/20261127200100_add_next_meeting_links.ts). */
	next_meeting_id: string | null;
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
	updated_at: Generated<Date>;
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

export interface CommentMentionsTable {
	comment_id: string;
	user_id: string;
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
}

export interface Database {
	meeting_minutes: MeetingMinutesTable;
	convocations: ConvocationsTable;
	users: UsersTable;
	sessions: SessionsTable;
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
	topics: TopicsTable;
	topic_supports: TopicSupportsTable;
	topic_comments: TopicCommentsTable;
	document_comments: DocumentCommentsTable;
	comment_mentions: CommentMentionsTable;
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
