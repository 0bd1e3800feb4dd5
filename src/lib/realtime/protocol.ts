/**
 * The typed socket.io contract of the live meeting room (shared/DESIGN.md §3–4), used by
 * `new Server<ClientToServerEvents, ServerToClientEvents>()` and by `io()` in the browser.
 * Events are `feature:verb`; every command is acknowledged `{ok: true, …} | {ok: false, error}`.
 */
import type { PollResults } from '../polls/tally.ts';
import type { MeetingStatus, SpeakerStatus } from '../domain/meetings.ts';
import type { MajorityRule, PollKind, PollStatus, ResultsVisibility } from '../domain/polls.ts';
import type { TableRole } from '../domain/tables.ts';

export const meetingRoom = (meetingId: string) => `meeting:${meetingId}`;
/** Moderators and coordinators of the meeting: they see results that are not public yet. */
export const facilitatorsRoom = (meetingId: string) => `meeting:${meetingId}:facilitators`;

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
}

/** What a client is shown of a poll: results only when the caller may see them. */
export interface PollSnapshot {
	poll: PollView;
	voters: number;
	results: PollResults | null;
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

export interface Participant {
	userId: string;
	name: string;
	role: TableRole | null;
	categoryId: string | null;
	representedBody: string;
}

export interface LiveState {
	meetingId: string;
	tableId: string;
	title: string;
	status: MeetingStatus;
	focusItemId: string | null;
	timers: TimerState[];
	/** The one speaking first (if any), then the queue in order. */
	speakers: SpeakerEntry[];
	polls: PollSnapshot[];
	present: Participant[];
	/** The server's clock when this state was read, so clients can correct their own. */
	serverTime: string;
}

type Cmd<P, R extends object = object> = (payload: P, ack: AckCallback<R>) => void;
type MeetingRef = { meetingId: string };

export interface ClientToServerEvents {
	'meeting:join': Cmd<MeetingRef, { state: LiveState }>;
	'meeting:leave': Cmd<MeetingRef>;
	'meeting:status': Cmd<MeetingRef & { status: MeetingStatus }>;
	'meeting:focus': Cmd<MeetingRef & { itemId: string | null }>;
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
	/** From a closed scheduling poll: the next meeting, its agenda from a closed topic poll. */
	'meeting:schedule': Cmd<{ pollId: string; topicPollId?: string | null; slotId?: string }, { meetingId: string; created: boolean }>;
}

export interface ServerToClientEvents {
	'meeting:state': (state: LiveState) => void;
	'presence:update': (payload: { meetingId: string; present: Participant[] }) => void;
	'poll:created': (snapshot: PollSnapshot) => void;
	'poll:opened': (snapshot: PollSnapshot) => void;
	'poll:results': (payload: { pollId: string; meetingId: string; results: PollResults }) => void;
	'poll:closed': (snapshot: PollSnapshot) => void;
}
