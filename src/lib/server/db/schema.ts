import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Kept by hand beside migrations/: a column added there is added here in the same commit. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export const tableRoles = ['coordinator', 'moderator', 'participant', 'observer'] as const;
export type TableRole = (typeof tableRoles)[number];

export const meetingStatuses = ['planned', 'live', 'closed'] as const;
export type MeetingStatus = (typeof meetingStatuses)[number];

export const documentKinds = ['protocol', 'guideline', 'agreement', 'minutes', 'rules', 'other'] as const;
export type DocumentKind = (typeof documentKinds)[number];

export const documentStatuses = ['draft', 'in_review', 'final'] as const;
export type DocumentStatus = (typeof documentStatuses)[number];

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

export interface Database {
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
	yjs_updates: YjsUpdatesTable;
	yjs_snapshots: YjsSnapshotsTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type TableRow = Selectable<TablesTable>;
export type MembershipRow = Selectable<MembershipsTable>;
export type InvitationRow = Selectable<InvitationsTable>;
export type MeetingRow = Selectable<MeetingsTable>;
export type DocumentRow = Selectable<DocumentsTable>;
