/**
 * The typed socket.io contract of the live meeting room (shared/DESIGN.md §3–4), used by
 * `new Server<ClientToServerEvents, ServerToClientEvents>()` and by `io()` in the browser.
 * Events are `feature:verb`; every command is acknowledged `{ok: true, …} | {ok: false, error}`.
 */
import type { Ballot, PollResults } from '../polls/tally.ts';
import type { AttendanceMode, CheckInMode, MeetingStatus, SpeakerStatus } from '../domain/meetings.ts';
import type { MajorityRule, PollKind, PollStatus, ResultsVisibility } from '../domain/polls.ts';
import type { TableRole } from '../domain/tables.ts';
import type { DocumentKind, DocumentStatus } from '../domain/documents.ts';

export const meetingRoom = (meetingId: string) => `meeting:${meetingId}`;
/** Moderators and coordinators of the meeting: they see results that are not public yet. */
export const facilitatorsRoom = (meetingId: string) => `meeting:${meetingId}:facilitators`;

/**
 * A table's open pages (the table, its documents, its meetings): members join it with
 * `table:join` and hear what changed there without reloading.
 */
export const tableRoom = (tableId: string) => `table:${tableId}`;

/** Every connection of one user (all their tabs), joined on connecting: their notifications. */
export const userRoom = (userId: string) => `user:${userId}`;

export interface AckError {
	code: string;
	message: string;
	fields?: Record<string, string>;
}
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: AckError };
export type AckCallback<T extends object = object> = (answer: Ack<T>) => void;

export interface PollOptionView {
	id: string;
	label: string;
}

export interface PollView {
	id: string;
	meetingId: string;
	question: string;
	kind: PollKind;
	status: PollStatus;
	anonymous: boolean;
	resultsVisible: ResultsVisibility;
	revealed: boolean;
	options: PollOptionView[];
	/** multiple: most options one may tick. */
	maxChoices: number | null;
	/** dots: how many dots each member spreads. */
	dots: number | null;
	/** yesno: the majority that passes the motion, and the fewest ballots that make it valid. */
	majority: MajorityRule | null;
	quorum: number | null;
	openedAt: string | null;
	closedAt: string | null;
	/** scheduling: the meeting created from this poll's result (`meeting:schedule`), once there is one. */
	nextMeetingId: string | null;
	/** A tie among the leaders (`pollStanding`) decided by the moderator: the chosen option's id, or null. */
	tieChoice: string | null;
	/** An approval poll: the frozen document version put to the vote and its SHA-256; null on others. */
	approval: { documentId: string; versionNumber: number; contentSha256: string } | null;
}

/** What a client is shown of a poll: results only when the caller may see them. */
export interface PollSnapshot {
	poll: PollView;
	voters: number;
	results: PollResults | null;
	/**
	 * Only in a state read for one member (GET /live, the meeting:join ack): their current choice,
	 * or null. On an anonymous poll it is known only while the poll is open and its ballot key
	 * exists; afterwards it is null and `hasVoted` still says the member voted.
	 */
	myBallot?: Ballot | null;
	/** Only with `myBallot`: the member is on the poll's roll (has voted). */
	hasVoted?: boolean;
}

export interface TimerState {
	itemId: string;
	durationMs: number;
	/** Time spent before the current run; add `now - runningSince` while running. */
	elapsedMs: number;
	/** ISO instant the timer was (re)started, by the server's clock; null while paused. */
	runningSince: string | null;
}

export interface SpeakerEntry {
	id: string;
	userId: string;
	name: string;
	status: Extract<SpeakerStatus, 'waiting' | 'speaking'>;
	raisedAt: string;
	startedAt: string | null;
	/** Speaking time of earlier turns in this meeting, in ms (the running turn is not included). */
	spokenMs: number;
}

/** A member with the live room open in Tavolo (one entry per person, whatever their tabs). */
export interface ConnectedMember {
	userId: string;
	name: string;
	role: TableRole | null;
	categoryId: string | null;
	representedBody: string;
}

/** A document of the meeting's table put in focus by a moderator: everyone reads it, read-only. */
export interface FocusedDocument {
	id: string;
	title: string;
	kind: DocumentKind;
	status: DocumentStatus;
	/** `document:<id>`, read over /yjs. */
	docName: string;
}

/** A PDF of the table's library put in focus by a moderator, on the page the room sees. */
export interface FocusedAttachment {
	id: string;
	title: string;
	filename: string;
	/** The page the moderator shows (1-based), kept by the server (`attachment:page`). */
	page: number;
}

/**
 * Someone present in the live meeting: in Tavolo, or checked in by a moderator as present in the
 * council chamber or on the video call. Counts in presence, category coverage and quorum.
 */
export interface Participant extends Omit<ConnectedMember, 'userId'> {
	/** The member's user id; null for a guest the moderator checked in by name. */
	userId: string | null;
	/** How they take part now, in this order: 'app' (Tavolo), 'room' (the chamber), 'call'. */
	modes: AttendanceMode[];
	/** Their open check-in, which a moderator may end; null when present only in Tavolo. */
	checkInId: string | null;
}

/** An open check-in as presence has it: the member's name and place on the table, or the guest's. */
export interface PresentCheckIn {
	id: string;
	/** The member; null for a guest checked in by name. */
	userId: string | null;
	name: string;
	role: TableRole | null;
	categoryId: string | null;
	representedBody: string;
	mode: CheckInMode;
}

/**
 * Who is present, in full, at presence version `version`: the `meeting:join` answer (in its
 * state) and `presence:sync`. Versions count per meeting, one per change; see `PresenceDelta`.
 */
export interface PresenceSnapshot {
	present: Participant[];
	eligiblePresent: number;
	version: number;
}

/** `presence:joined`: a member's first tab joined the room (their other tabs send nothing). */
export interface PresenceJoined {
	meetingId: string;
	version: number;
	member: ConnectedMember;
}
/** `presence:left`: a member's last tab left the room (they may still be present by a check-in). */
export interface PresenceLeft {
	meetingId: string;
	version: number;
	userId: string;
}
/** `presence:changed`: a connected member's role changed (`member`), or the open check-ins did (all of them, `checkIns`). */
export interface PresenceChanged {
	meetingId: string;
	version: number;
	member?: ConnectedMember;
	checkIns?: PresentCheckIn[];
}
/**
 * One change of a room's presence. `version` is the meeting's next presence version: each change
 * takes exactly the next number (drawn atomically with the change, across nodes), so a client
 * applies deltas in version order, holds one that comes early and, when a gap does not fill, asks
 * the full list again (`presence:sync`). See docs/api.md "Presence versions".
 */
export type PresenceDelta =
	({ kind: 'joined' } & PresenceJoined) | ({ kind: 'left' } & PresenceLeft) | ({ kind: 'changed' } & PresenceChanged);

/** `attendance:checkin`: a member of the table, or a guest by name (category and body optional). */
export type CheckInRequest = { mode: CheckInMode } & (
	{ userId: string } | { guest: { name: string; categoryId?: string | null; representedBody?: string } }
);

export interface LiveState {
	meetingId: string;
	tableId: string;
	title: string;
	status: MeetingStatus;
	focusItemId: string | null;
	/** The document in focus (`document:focus`), shown in the centre column and on the projector. */
	focusDocument: FocusedDocument | null;
	/** The PDF in focus (`attachment:focus`) and its page, shown in the centre column and on the projector. */
	focusAttachment: FocusedAttachment | null;
	timers: TimerState[];
	/** The one speaking first (if any), then the queue in order. */
	speakers: SpeakerEntry[];
	polls: PollSnapshot[];
	present: Participant[];
	/** Of those present, the members with the right to vote ("aventi diritto presenti", live/presence-list.ts). */
	eligiblePresent: number;
	/** The presence version `present` holds (per meeting); deltas after it carry higher ones. */
	presenceVersion: number;
	/** The server's clock when this state was read, so clients can correct their own. */
	serverTime: string;
}

/** A meeting as its pages show it, sent when a coordinator changes or cancels it. */
export interface MeetingView {
	id: string;
	tableId: string;
	title: string;
	startsAt: string;
	endsAt: string;
	videoUrl: string | null;
	status: MeetingStatus;
}

/** What happened to a topic of the backlog; the page reads the list again. */
export type TopicChange = 'proposed' | 'supported' | 'commented' | 'polled';

type Cmd<P, R extends object = object> = (payload: P, ack: AckCallback<R>) => void;
type MeetingRef = { meetingId: string };

export interface ClientToServerEvents {
	'meeting:join': Cmd<MeetingRef, { state: LiveState }>;
	'meeting:leave': Cmd<MeetingRef>;
	/** Who is present, in full, for a socket that joined the meeting: asked again after a gap in the deltas. */
	'presence:sync': Cmd<MeetingRef, PresenceSnapshot>;
	'meeting:status': Cmd<MeetingRef & { status: MeetingStatus }>;
	'meeting:focus': Cmd<MeetingRef & { itemId: string | null }>;
	/** Moderator: a document of the meeting's table in focus for everyone, or none (null). */
	'document:focus': Cmd<MeetingRef & { documentId: string | null }>;
	/** Moderator: a PDF of the table's library in focus for everyone (from page 1), or none (null). */
	'attachment:focus': Cmd<MeetingRef & { attachmentId: string | null }>;
	/** Moderator: the page of the PDF in focus everyone sees. */
	'attachment:page': Cmd<MeetingRef & { page: number }>;
	'timer:start': Cmd<MeetingRef & { itemId: string; durationMs?: number }>;
	'timer:pause': Cmd<MeetingRef & { itemId: string }>;
	'timer:extend': Cmd<MeetingRef & { itemId: string; byMs: number }>;
	'timer:reset': Cmd<MeetingRef & { itemId: string }>;
	'hand:raise': Cmd<MeetingRef>;
	'hand:lower': Cmd<MeetingRef & { userId?: string }>;
	'speaker:give': Cmd<MeetingRef & { userId: string }>;
	'speaker:end': Cmd<MeetingRef>;
	'speaker:remove': Cmd<MeetingRef & { userId: string }>;
	'speaker:reorder': Cmd<MeetingRef & { userIds: string[] }>;
	'poll:create': Cmd<MeetingRef & Record<string, unknown>, { id: string }>;
	'poll:open': Cmd<{ pollId: string }>;
	'poll:close': Cmd<{ pollId: string }>;
	'poll:reveal': Cmd<{ pollId: string }>;
	'poll:vote': Cmd<{ pollId: string; choice: unknown }>;
	/** Moderator or coordinator: decides a tie of a closed poll, among the tied options only. */
	'poll:break-tie': Cmd<{ pollId: string; optionId: string }>;
	/** From a closed scheduling poll: the next meeting, its agenda from a closed topic poll. */
	/** Moderator or coordinator, while the meeting is live: someone is present in the chamber or on the call. */
	'attendance:checkin': Cmd<MeetingRef & CheckInRequest, { checkInId: string }>;
	/** Moderator or coordinator, while the meeting is live: they left. */
	'attendance:checkout': Cmd<MeetingRef & { checkInId: string }>;
	'meeting:schedule': Cmd<{ pollId: string; topicPollId?: string | null; slotId?: string }, { meetingId: string; created: boolean }>;
	/** Hears the table's changes (members only, checked on every join). */
	'table:join': Cmd<{ tableId: string }>;
	'table:leave': Cmd<{ tableId: string }>;
}

export interface ServerToClientEvents {
	'meeting:state': (state: LiveState) => void;
	/**
	 * Presence by deltas (`PresenceDelta`): the full list comes only in the join's answer (and
	 * `presence:sync`); afterwards each change is one small event to the room, numbered by the
	 * meeting's presence version.
	 */
	'presence:joined': (payload: PresenceJoined) => void;
	'presence:left': (payload: PresenceLeft) => void;
	'presence:changed': (payload: PresenceChanged) => void;
	'poll:created': (snapshot: PollSnapshot) => void;
	'poll:opened': (snapshot: PollSnapshot) => void;
	'poll:results': (payload: { pollId: string; meetingId: string; results: PollResults }) => void;
	'poll:closed': (snapshot: PollSnapshot) => void;
	/** The table's topic backlog changed (proposed, supported, put to a vote): read it again. */
	'topics:changed': (payload: { tableId: string }) => void;
	/** To the meeting's room and its table: the coordinator changed or cancelled it. */
	'meeting:updated': (payload: { meeting: MeetingView }) => void;
	/** To the table: a document moved along its lifecycle (draft → in review → final). */
	'document:status': (payload: { tableId: string; documentId: string; status: DocumentStatus }) => void;
	/** To the table: a document got a new numbered version. */
	'document:version': (payload: { tableId: string; documentId: string; number: number; final: boolean }) => void;
	/** To the table: its topic backlog changed. */
	'topic:changed': (payload: { tableId: string; topicId: string; change: TopicChange }) => void;
	/** To the table: a commitment was recorded in a meeting, or its progress marked. */
	'commitment:changed': (payload: { tableId: string; commitmentId: string; change: 'recorded' | 'updated' }) => void;
	/** To one user's connections: their unread notifications now (a new one, or read in another tab). */
	'notifications:changed': (payload: { unread: number }) => void;
}
