import { getContext, setContext } from 'svelte';
import { io, type Socket } from 'socket.io-client';
import { m } from '$lib/paraglide/messages.js';
import type { AgendaItem } from '$lib/agenda/agenda-doc.ts';
import type { PollResults } from '$lib/polls/tally.ts';
import type {
	Ack,
	AckError,
	ClientToServerEvents,
	LiveState,
	Participant,
	PollSnapshot,
	PollView,
	ServerToClientEvents,
	SpeakerEntry,
	TimerState
} from '$lib/realtime/protocol.ts';
import type { MeetingStatus } from '$lib/domain/meetings.ts';
import { roomReconnection } from './room-reconnection.ts';

export type RoomConnection = 'connecting' | 'connected' | 'offline';

/** Who is looking at the room, and what the server will let them do there. */
export interface RoomViewer {
	userId: string;
	name: string;
	/** Moderator or coordinator: runs the meeting and its polls. */
	canRun: boolean;
	/** Not an observer: raises a hand, votes. */
	canVote: boolean;
	/**
	 * A shared screen (the projector): shows only what every member may see, even when the
	 * moderator's own session opened it (the server sends facilitators drafts and hidden results).
	 */
	publicOnly?: boolean;
}

/** Whether every member may see a poll's results now (the server's rule, polls/service.ts). */
export function resultsArePublic(poll: PollView): boolean {
	return poll.revealed || poll.resultsVisible === 'live' || (poll.resultsVisible === 'after_close' && poll.status === 'closed');
}

type RoomSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type CommandName = Exclude<keyof ClientToServerEvents, 'meeting:join'>;
type CommandPayload<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[0];

/** A command the server has not answered by then failed (network gone, server restarting). */
const defaultCommandTimeoutMs = 8_000;

/**
 * The live meeting room in the browser: one socket.io connection joined to the meeting, the live
 * state the server broadcasts, a clock corrected to the server's, and the commands people send.
 * One instance per page, handed to the room's components through context (never module-level:
 * the page is rendered on the server too).
 */
export class MeetingRoom {
	readonly meetingId: string;
	readonly viewer: RoomViewer;

	connection = $state<RoomConnection>('connecting');
	/** The first state arrived: until then the panels show their loading placeholders. */
	loaded = $state(false);
	status = $state<MeetingStatus>('planned');
	focusItemId = $state<string | null>(null);
	timers = $state<TimerState[]>([]);
	speakers = $state<SpeakerEntry[]>([]);
	polls = $state<PollSnapshot[]>([]);
	present = $state<Participant[]>([]);
	/** The agenda as the co-edited document has it (fed by the agenda editor or reader). */
	agenda = $state<AgendaItem[]>([]);
	/** Whether this person's centre view follows the moderator's focus. */
	following = $state(true);
	/** The item this person chose to look at while not following. */
	viewedItemId = $state<string | null>(null);
	/** Now, on the server's clock; ticks twice a second. */
	now = $state(Date.now());
	/** The latest thing screen readers should hear (a poll opened or closed, the floor given). */
	announcement = $state('');
	/** The last refused or failed command, in words. */
	error = $state('');
	/** Ballots cast from this page, so the ballot shows what one chose. */
	myChoices = $state<Record<string, unknown>>({});

	#socket: RoomSocket | null = null;
	#offsetMs = 0;
	#tick: ReturnType<typeof setInterval> | undefined;
	readonly #commandTimeoutMs: number;

	constructor(meetingId: string, viewer: RoomViewer, initial: { status: MeetingStatus }, options: { commandTimeoutMs?: number } = {}) {
		this.meetingId = meetingId;
		this.viewer = viewer;
		this.status = initial.status;
		this.#commandTimeoutMs = options.commandTimeoutMs ?? defaultCommandTimeoutMs;
	}

	readonly shownItemId = $derived(this.following ? this.focusItemId : (this.viewedItemId ?? this.focusItemId));
	readonly shownItem = $derived(this.agenda.find((item) => item.id === this.shownItemId) ?? null);
	readonly focusItem = $derived(this.agenda.find((item) => item.id === this.focusItemId) ?? null);
	readonly focusTimer = $derived(this.timers.find((t) => t.itemId === this.focusItemId) ?? null);
	readonly activePoll = $derived(this.polls.find((p) => p.poll.status === 'open') ?? null);
	/** What the room is voting on, or voted on last: the open poll, else the latest closed one. */
	readonly currentPoll = $derived(
		this.activePoll ??
			this.polls
				.filter((p) => p.poll.status === 'closed')
				.sort((a, b) => (b.poll.closedAt ?? '').localeCompare(a.poll.closedAt ?? ''))[0] ??
			null
	);
	readonly speaking = $derived(this.speakers.find((s) => s.status === 'speaking') ?? null);
	readonly queue = $derived(this.speakers.filter((s) => s.status === 'waiting'));
	readonly myHandRaised = $derived(this.queue.some((s) => s.userId === this.viewer.userId));
	readonly live = $derived(this.status === 'live');

	/** Opens the connection (in the browser, once the page is mounted). */
	connect(): void {
		const socket: RoomSocket = io({ path: '/socket.io', transports: ['websocket'], ...roomReconnection });
		this.#socket = socket;
		socket.on('connect', () => {
			this.connection = 'connected';
			void this.#join();
		});
		// socket.io reconnects by itself (and `connect` joins again); meanwhile the room is offline.
		socket.on('disconnect', () => (this.connection = 'offline'));
		socket.on('connect_error', () => (this.connection = 'offline'));
		socket.on('meeting:state', (state) => state.meetingId === this.meetingId && this.#applyState(state, false));
		socket.on('presence:update', ({ meetingId, present }) => {
			if (meetingId === this.meetingId) this.present = present;
		});
		socket.on('poll:created', (snapshot) => this.#upsertPoll(snapshot));
		socket.on('poll:opened', (snapshot) => {
			this.#upsertPoll(snapshot);
			this.#announce(m.live_poll_opened_announce({ question: snapshot.poll.question }));
		});
		socket.on('poll:closed', (snapshot) => {
			this.#upsertPoll(snapshot);
			this.#announce(m.live_poll_closed_announce({ question: snapshot.poll.question }));
		});
		socket.on('poll:results', ({ pollId, results }) => this.#setResults(pollId, results));
		this.#tick = setInterval(() => (this.now = Date.now() + this.#offsetMs), 500);
	}

	destroy(): void {
		clearInterval(this.#tick);
		this.#socket?.disconnect();
		this.#socket = null;
	}

	async #join(): Promise<void> {
		const socket = this.#socket;
		if (!socket) return;
		try {
			const answer = await socket.timeout(this.#commandTimeoutMs).emitWithAck('meeting:join', { meetingId: this.meetingId });
			if (answer.ok) this.#applyState(answer.state, true);
			else this.error = answer.error.message;
		} catch {
			this.error = m.live_error_timeout();
		}
	}

	/**
	 * `full` is the state as this viewer sees it (the join answer). Broadcasts show the room what
	 * members may see, so a facilitator keeps the drafts and hidden results it already knows.
	 */
	#applyState(state: LiveState, full: boolean): void {
		this.#offsetMs = Date.parse(state.serverTime) - Date.now();
		this.now = Date.now() + this.#offsetMs;
		const speakingBefore = this.speaking?.userId;
		this.status = state.status;
		this.focusItemId = state.focusItemId;
		this.timers = state.timers;
		this.speakers = state.speakers;
		this.present = state.present;
		if (this.viewer.publicOnly) {
			this.polls = state.polls.flatMap((p) => this.#shown(p) ?? []);
		} else if (full || !this.viewer.canRun) {
			this.polls = state.polls;
		} else {
			// Lookups for this one merge, not state: the merged list is what $state holds.
			// eslint-disable-next-line svelte/prefer-svelte-reactivity
			const known = new Map(this.polls.map((p) => [p.poll.id, p]));
			// eslint-disable-next-line svelte/prefer-svelte-reactivity
			const incoming = new Set(state.polls.map((p) => p.poll.id));
			this.polls = [
				...state.polls.map((p) => ({ ...p, results: p.results ?? known.get(p.poll.id)?.results ?? null })),
				...this.polls.filter((p) => p.poll.status === 'draft' && !incoming.has(p.poll.id))
			];
		}
		const speakingNow = this.speaking?.userId;
		if (this.loaded && speakingNow === this.viewer.userId && speakingBefore !== speakingNow) this.#announce(m.live_floor_yours());
		this.loaded = true;
	}

	/** What this page may show of a poll (everything, unless it is a shared screen). */
	#shown(snapshot: PollSnapshot): PollSnapshot | null {
		if (!this.viewer.publicOnly) return snapshot;
		if (snapshot.poll.status === 'draft') return null;
		return resultsArePublic(snapshot.poll) ? snapshot : { ...snapshot, results: null };
	}

	#upsertPoll(incoming: PollSnapshot): void {
		const snapshot = this.#shown(incoming);
		if (!snapshot) return;
		const index = this.polls.findIndex((p) => p.poll.id === snapshot.poll.id);
		if (index === -1) {
			this.polls = [...this.polls, snapshot];
			return;
		}
		const before = this.polls[index];
		const results = snapshot.results ?? (this.viewer.canRun ? before.results : null);
		this.polls[index] = { ...snapshot, results, voters: results?.voters ?? snapshot.voters };
	}

	#setResults(pollId: string, results: PollResults): void {
		const index = this.polls.findIndex((p) => p.poll.id === pollId);
		if (index === -1 || (this.viewer.publicOnly && !resultsArePublic(this.polls[index].poll))) return;
		this.polls[index] = { ...this.polls[index], results, voters: results.voters };
	}

	#announce(text: string): void {
		// A region only speaks when its text changes: clear it first so a repeat is heard too.
		this.announcement = '';
		queueMicrotask(() => (this.announcement = text));
	}

	timerFor(itemId: string | null): TimerState | null {
		return this.timers.find((t) => t.itemId === itemId) ?? null;
	}

	/** Sends one command; a refusal or a timeout becomes `error`, in the server's words. */
	async send<E extends CommandName>(event: E, payload: CommandPayload<E>): Promise<Ack<Record<string, unknown>> | null> {
		const socket = this.#socket;
		if (!socket?.connected) {
			this.error = m.live_error_offline();
			return null;
		}
		try {
			// The typed emitWithAck cannot name the answer of a generic event; every command answers an Ack.
			const timed = socket.timeout(this.#commandTimeoutMs) as unknown as {
				emitWithAck(event: E, payload: CommandPayload<E>): Promise<Ack<Record<string, unknown>>>;
			};
			const answer = await timed.emitWithAck(event, payload);
			this.error = answer.ok ? '' : answer.error.message;
			return answer;
		} catch {
			this.error = m.live_error_timeout();
			return null;
		}
	}

	setStatus(status: MeetingStatus) {
		return this.send('meeting:status', { meetingId: this.meetingId, status });
	}
	focus(itemId: string | null) {
		return this.send('meeting:focus', { meetingId: this.meetingId, itemId });
	}
	startTimer(itemId: string, durationMs?: number) {
		return this.send('timer:start', { meetingId: this.meetingId, itemId, durationMs });
	}
	pauseTimer(itemId: string) {
		return this.send('timer:pause', { meetingId: this.meetingId, itemId });
	}
	extendTimer(itemId: string, byMs: number) {
		return this.send('timer:extend', { meetingId: this.meetingId, itemId, byMs });
	}
	resetTimer(itemId: string) {
		return this.send('timer:reset', { meetingId: this.meetingId, itemId });
	}
	raiseHand() {
		return this.send('hand:raise', { meetingId: this.meetingId });
	}
	lowerHand(userId?: string) {
		return this.send('hand:lower', { meetingId: this.meetingId, userId });
	}
	giveFloor(userId: string) {
		return this.send('speaker:give', { meetingId: this.meetingId, userId });
	}
	endTurn() {
		return this.send('speaker:end', { meetingId: this.meetingId });
	}
	removeSpeaker(userId: string) {
		return this.send('speaker:remove', { meetingId: this.meetingId, userId });
	}
	reorderQueue(userIds: string[]) {
		return this.send('speaker:reorder', { meetingId: this.meetingId, userIds });
	}
	/** Creates a poll, and opens it at once when asked; null when done, else the refusal. */
	async createPoll(input: Record<string, unknown>, openNow: boolean): Promise<AckError | null> {
		const answer = await this.send('poll:create', { meetingId: this.meetingId, ...input });
		if (!answer) return { code: 'unavailable', message: this.error };
		if (!answer.ok) return answer.error;
		if (openNow && typeof answer.id === 'string') await this.openPoll(answer.id);
		return null;
	}
	openPoll(pollId: string) {
		return this.send('poll:open', { pollId });
	}
	closePoll(pollId: string) {
		return this.send('poll:close', { pollId });
	}
	revealPoll(pollId: string) {
		return this.send('poll:reveal', { pollId });
	}
	/**
	 * Creates the next meeting from a closed scheduling poll (`topicPollId` null: no topics); the
	 * room's state then names it for everyone, and this page shows the link at once.
	 */
	async scheduleNextMeeting(pollId: string, options: { topicPollId: string | null; slotId?: string }): Promise<boolean> {
		const answer = await this.send('meeting:schedule', { pollId, ...options });
		if (!answer?.ok || typeof answer.meetingId !== 'string') return false;
		const index = this.polls.findIndex((p) => p.poll.id === pollId);
		if (index >= 0) this.polls[index] = { ...this.polls[index], poll: { ...this.polls[index].poll, nextMeetingId: answer.meetingId } };
		this.#announce(m.next_meeting_created_announce());
		return true;
	}
	async vote(pollId: string, choice: unknown): Promise<boolean> {
		const answer = await this.send('poll:vote', { pollId, choice });
		if (answer?.ok) this.myChoices[pollId] = choice;
		return Boolean(answer?.ok);
	}

	/** Follow the moderator's focus again, or look at another item meanwhile. */
	follow(): void {
		this.following = true;
		this.viewedItemId = null;
	}
	view(itemId: string): void {
		this.following = false;
		this.viewedItemId = itemId;
	}
}

const contextKey = Symbol('meeting-room');

export function setMeetingRoom(room: MeetingRoom): MeetingRoom {
	return setContext(contextKey, room);
}

export function getMeetingRoom(): MeetingRoom {
	const room = getContext<MeetingRoom | undefined>(contextKey);
	if (!room) throw new Error('getMeetingRoom() outside a meeting room page');
	return room;
}
