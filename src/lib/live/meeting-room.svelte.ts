import { getContext, setContext } from 'svelte';
import { m } from '$lib/paraglide/messages.js';
import type { AgendaItem } from '$lib/agenda/agenda-doc.ts';
import { pollStanding, type PollResults } from '$lib/polls/tally.ts';
import type {
	Ack,
	AckError,
	ClientToServerEvents,
	FocusedAttachment,
	FocusedDocument,
	LiveState,
	MeetingView,
	Participant,
	PollSnapshot,
	PollView,
	SpeakerEntry,
	TimerState
} from '$lib/realtime/protocol.ts';
import type { MeetingStatus } from '$lib/domain/meetings.ts';
import { leaseSocket, type SocketLease, type TavoloClientSocket } from '../realtime/shared-socket.ts';
import { PresenceTracker, type DeltaOutcome } from './presence-list.ts';
import { choiceOf } from '$lib/polls/ballot-choice.ts';
import { optionText } from '$lib/polls/labels.ts';
import { choiceSummary } from '$lib/polls/choice-summary.ts';

export type RoomConnection = 'connecting' | 'connected' | 'offline';

/**
 * The announcer's two channels: polite waits for the screen reader to finish what it is saying,
 * assertive interrupts it (kept for what cannot wait: "Hai la parola.").
 */
export type Politeness = 'polite' | 'assertive';

/** What one channel says now; `serial` grows with each announcement, so a repeat is a new text node and heard again. */
export interface Announcement {
	text: string;
	serial: number;
}

/** A sentence ends with its punctuation: "Approviamo?" stays, "Bilancio" becomes "Bilancio.". */
function sentence(text: string): string {
	const trimmed = text.trim();
	return /[.?!…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** How a closed poll ended, in words: the motion's outcome, else the option that leads (`pollStanding`). */
export function pollOutcomeText(poll: PollView, results: PollResults): string {
	if (results.outcome) return results.outcome.passed ? m.poll_passed() : m.poll_rejected();
	const standing = pollStanding(results, poll.tieChoice);
	const label = (id: string) => {
		const option = poll.options.find((o) => o.id === id);
		return option ? optionText(poll.kind, option) : (standing.ranking.find((e) => e.id === id)?.label ?? id);
	};
	if (standing.winner) return label(standing.winner);
	if (standing.tied) return m.poll_tie({ options: standing.leaders.map(label).join(', ') });
	return m.a11y_focus_outcome_none();
}

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

type RoomSocket = TavoloClientSocket;
type CommandName = Exclude<keyof ClientToServerEvents, 'meeting:join'>;
type CommandPayload<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[0];

/** A command the server has not answered by then failed (network gone, server restarting). */
const defaultCommandTimeoutMs = 8_000;
/** A presence delta missing this long (its node died before sending it): the full list is asked again. */
const defaultPresenceGapMs = 2_000;

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
	/** The meeting's table, from the first state on. */
	tableId = $state('');
	focusItemId = $state<string | null>(null);
	/** The document a moderator put in focus: everyone reads it in the centre column. */
	focusDocument = $state<FocusedDocument | null>(null);
	/** The PDF a moderator put in focus, with the page the room sees (the server's). */
	focusAttachment = $state<FocusedAttachment | null>(null);
	/** Whether this person's view of the PDF follows the moderator's page ("Segui"). */
	pdfFollowing = $state(true);
	/** The page this person turned to while browsing on their own. */
	browsedPage = $state(1);
	/** Bumped when the server says the table's topic backlog changed: the backlog panel reads it again. */
	topicsRevision = $state(0);
	timers = $state<TimerState[]>([]);
	speakers = $state<SpeakerEntry[]>([]);
	polls = $state<PollSnapshot[]>([]);
	present = $state<Participant[]>([]);
	/** Present members with the right to vote, as the server counts them ("aventi diritto presenti"). */
	eligiblePresent = $state(0);
	readonly #presence = new PresenceTracker();
	#presenceGap: ReturnType<typeof setTimeout> | undefined;
	readonly #presenceGapMs: number;
	/** The presence version the list holds (see PresenceTracker). */
	get presenceVersion(): number {
		return this.#presence.version;
	}
	/** The agenda as the co-edited document has it (fed by the agenda editor or reader). */
	agenda = $state<AgendaItem[]>([]);
	/** Whether this person's centre view follows the moderator's focus. */
	following = $state(true);
	/** The item this person chose to look at while not following. */
	viewedItemId = $state<string | null>(null);
	/** Now, on the server's clock; ticks twice a second. */
	now = $state(Date.now());
	/** The latest thing screen readers should hear, on either channel (a poll opened or closed, the floor given). */
	announcement = $state('');
	/** What each channel of the announcer (RoomAnnouncer.svelte) says. */
	announced = $state<Record<Politeness, Announcement>>({ polite: { text: '', serial: 0 }, assertive: { text: '', serial: 0 } });
	/** The last refused or failed command, in words. */
	error = $state('');
	/** Ballots cast from this page, so the ballot shows what one chose. */
	myChoices = $state<Record<string, unknown>>({});
	/** Anonymous polls where this member's vote stands but can no longer be changed (its key is gone). */
	sealedPolls = $state<Record<string, true>>({});
	/** The meeting as a coordinator last changed or cancelled it while this page was open. */
	changedMeeting = $state<MeetingView | null>(null);

	#socket: RoomSocket | null = null;
	#lease: SocketLease | null = null;
	#offsetMs = 0;
	#tick: ReturnType<typeof setInterval> | undefined;
	readonly #commandTimeoutMs: number;

	constructor(
		meetingId: string,
		viewer: RoomViewer,
		initial: { status: MeetingStatus },
		options: { commandTimeoutMs?: number; presenceGapMs?: number } = {}
	) {
		this.meetingId = meetingId;
		this.viewer = viewer;
		this.status = initial.status;
		this.#commandTimeoutMs = options.commandTimeoutMs ?? defaultCommandTimeoutMs;
		this.#presenceGapMs = options.presenceGapMs ?? defaultPresenceGapMs;
	}

	readonly shownItemId = $derived(this.following ? this.focusItemId : (this.viewedItemId ?? this.focusItemId));
	readonly shownItem = $derived(this.agenda.find((item) => item.id === this.shownItemId) ?? null);
	readonly focusItem = $derived(this.agenda.find((item) => item.id === this.focusItemId) ?? null);
	readonly focusTimer = $derived(this.timers.find((t) => t.itemId === this.focusItemId) ?? null);
	/** Every open poll, each votable on its own ballot card, in the order they were created. */
	readonly openPolls = $derived(this.polls.filter((p) => p.poll.status === 'open'));
	readonly activePoll = $derived(this.openPolls[0] ?? null);
	/** What the room is voting on, or voted on last: the open poll, else the latest closed one. */
	readonly currentPoll = $derived(
		this.activePoll ??
			this.polls
				.filter((p) => p.poll.status === 'closed')
				.sort((a, b) => (b.poll.closedAt ?? '').localeCompare(a.poll.closedAt ?? ''))[0] ??
			null
	);
	/**
	 * The ballot cards of the centre column: every open poll, with those closed while one of them
	 * was open (a motion closed beside a poll still open keeps its outcome in view), in the order
	 * they were created; with none open, the latest closed one.
	 */
	readonly shownPolls = $derived.by(() => {
		if (this.openPolls.length === 0) return this.currentPoll ? [this.currentPoll] : [];
		// ISO instants from the server: as strings they sort as times.
		const since = this.openPolls.flatMap((p) => p.poll.openedAt ?? []).sort()[0];
		if (!since) return this.openPolls;
		return this.polls.filter((p) => p.poll.status === 'open' || (p.poll.status === 'closed' && (p.poll.closedAt ?? '') > since));
	});
	/** The page of the PDF in focus this person sees: the moderator's, or their own while browsing. */
	readonly shownPage = $derived.by(() => (this.pdfFollowing || this.viewer.canRun ? (this.focusAttachment?.page ?? 1) : this.browsedPage));
	readonly speaking = $derived(this.speakers.find((s) => s.status === 'speaking') ?? null);
	readonly queue = $derived(this.speakers.filter((s) => s.status === 'waiting'));
	readonly myHandRaised = $derived(this.queue.some((s) => s.userId === this.viewer.userId));
	readonly live = $derived(this.status === 'live');

	/** Opens the connection (in the browser, once the page is mounted). */
	connect(): void {
		// The tab's one connection, shared with the header's unread count (and the table's channel).
		const lease = leaseSocket();
		this.#lease = lease;
		this.#socket = lease.socket;
		lease.on('connect', () => {
			this.connection = 'connected';
			void this.#join();
		});
		// socket.io reconnects by itself (and `connect` joins again); meanwhile the room is offline.
		lease.on('disconnect', () => (this.connection = 'offline'));
		lease.on('connect_error', () => (this.connection = 'offline'));
		lease.on('meeting:state', (state) => state.meetingId === this.meetingId && this.#applyState(state, false));
		lease.on('presence:joined', (delta) => {
			if (delta.meetingId === this.meetingId) this.#presenceDelta(this.#presence.apply({ kind: 'joined', ...delta }));
		});
		lease.on('presence:left', (delta) => {
			if (delta.meetingId === this.meetingId) this.#presenceDelta(this.#presence.apply({ kind: 'left', ...delta }));
		});
		lease.on('presence:changed', (delta) => {
			if (delta.meetingId === this.meetingId) this.#presenceDelta(this.#presence.apply({ kind: 'changed', ...delta }));
		});
		lease.on('poll:created', (snapshot) => this.#upsertPoll(snapshot));
		lease.on('poll:opened', (snapshot) => {
			this.#upsertPoll(snapshot);
			this.#announce(m.live_poll_opened_announce({ question: snapshot.poll.question }));
		});
		lease.on('poll:closed', (snapshot) => {
			this.#upsertPoll(snapshot);
			// A facilitator of a hidden poll has the results it already knew; a member sees them if public.
			const results = this.polls.find((p) => p.poll.id === snapshot.poll.id)?.results ?? snapshot.results;
			const question = snapshot.poll.question;
			this.#announce(
				results
					? m.a11y_focus_poll_closed_outcome({ question: sentence(question), outcome: pollOutcomeText(snapshot.poll, results) })
					: m.live_poll_closed_announce({ question })
			);
		});
		lease.on('poll:results', ({ pollId, results }) => this.#setResults(pollId, results));
		lease.on('topics:changed', () => this.topicsRevision++);
		lease.on('meeting:updated', ({ meeting }) => {
			if (meeting.id !== this.meetingId) return;
			this.#setStatus(meeting.status);
			this.changedMeeting = meeting;
		});
		this.#tick = setInterval(() => (this.now = Date.now() + this.#offsetMs), 500);
	}

	destroy(): void {
		clearInterval(this.#tick);
		clearTimeout(this.#presenceGap);
		// The connection may stay (others on the page share it): the room is left explicitly.
		if (this.#socket?.connected) this.#socket.emit('meeting:leave', { meetingId: this.meetingId }, () => {});
		this.#lease?.release();
		this.#lease = null;
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
	 * Deltas from different nodes arrive in any order: the tracker applies them in version order
	 * and holds one that came early. A gap that does not fill in `presenceGapMs` (a node died
	 * between numbering a change and sending it) is answered by asking the full list again.
	 */
	#presenceDelta(outcome: DeltaOutcome): void {
		if (outcome === 'applied') this.#showPresence();
		if (!this.#presence.waiting) {
			clearTimeout(this.#presenceGap);
			this.#presenceGap = undefined;
		} else this.#presenceGap ??= setTimeout(() => void this.#resyncPresence(), this.#presenceGapMs);
	}

	async #resyncPresence(): Promise<void> {
		this.#presenceGap = undefined;
		const socket = this.#socket;
		if (!socket?.connected || !this.#presence.waiting) return;
		try {
			const answer = await socket.timeout(this.#commandTimeoutMs).emitWithAck('presence:sync', { meetingId: this.meetingId });
			if (answer.ok) this.#applyPresence(answer);
		} catch {
			// Offline: the next join (on reconnection) brings the full list.
		}
		this.#presenceDelta('stale');
	}

	/** A full list (the join's answer, a state, `presence:sync`), unless it is older than what the room has. */
	#applyPresence(snapshot: { present: Participant[]; eligiblePresent: number; version: number }): void {
		if (this.#presence.reset(snapshot)) this.#showPresence();
	}

	#showPresence(): void {
		this.present = this.#presence.present;
		this.eligiblePresent = this.#presence.eligiblePresent;
	}

	/**
	 * `full` is the state as this viewer sees it (the join answer). Broadcasts show the room what
	 * members may see, so a facilitator keeps the drafts and hidden results it already knows.
	 */
	#applyState(state: LiveState, full: boolean): void {
		this.#offsetMs = Date.parse(state.serverTime) - Date.now();
		this.now = Date.now() + this.#offsetMs;
		const speakingBefore = this.speaking?.userId;
		// A lookup for this one update, not state.
		// eslint-disable-next-line svelte/prefer-svelte-reactivity
		const tieChoicesBefore = new Map(this.polls.map((p) => [p.poll.id, p.poll.tieChoice]));
		// eslint-disable-next-line svelte/prefer-svelte-reactivity
		const revealedBefore = new Map(this.polls.map((p) => [p.poll.id, p.poll.revealed]));
		const focusBefore = this.focusItemId;
		this.#setStatus(state.status);
		this.tableId = state.tableId;
		this.focusItemId = state.focusItemId;
		if (this.loaded && state.focusItemId && state.focusItemId !== focusBefore) this.#announceFocus(state.focusItemId);
		this.focusDocument = state.focusDocument ?? null;
		const attachmentBefore = this.focusAttachment?.id;
		this.focusAttachment = state.focusAttachment ?? null;
		// A new PDF in focus is followed from where the moderator is, whatever one browsed before.
		if (state.focusAttachment && state.focusAttachment.id !== attachmentBefore) {
			this.pdfFollowing = true;
			this.browsedPage = state.focusAttachment.page;
			if (this.loaded) this.#announce(m.lib_pdf_announce({ title: state.focusAttachment.title }));
		}
		this.timers = state.timers;
		this.speakers = state.speakers;
		this.#applyPresence({ present: state.present, eligiblePresent: state.eligiblePresent, version: state.presenceVersion });
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
		// After a reload the ballot starts from the member's stored choice (an anonymous one only while its key exists).
		if (full) {
			for (const p of state.polls) {
				if (p.myBallot && !(p.poll.id in this.myChoices)) this.myChoices[p.poll.id] = choiceOf(p.myBallot);
				if (p.poll.anonymous && p.poll.status === 'open' && p.hasVoted && !p.myBallot) this.sealedPolls[p.poll.id] = true;
			}
		}
		for (const { poll } of this.loaded ? this.polls : []) {
			const option = poll.options.find((o) => o.id === poll.tieChoice);
			if (option && tieChoicesBefore.has(poll.id) && tieChoicesBefore.get(poll.id) !== poll.tieChoice)
				this.#announce(m.poll_tie_chosen_announce({ option: optionText(poll.kind, option) }));
			if (poll.revealed && revealedBefore.get(poll.id) === false)
				this.#announce(m.a11y_focus_results_revealed({ question: poll.question }));
		}
		const speakingNow = this.speaking?.userId;
		if (this.loaded && speakingNow === this.viewer.userId && speakingBefore !== speakingNow)
			this.#announce(m.live_floor_yours(), 'assertive');
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

	#announce(text: string, politeness: Politeness = 'polite'): void {
		this.announcement = text;
		this.announced[politeness] = { text, serial: this.announced[politeness].serial + 1 };
	}

	/** Start and close are heard once, whether the room's state or the meeting's change brings them. */
	#setStatus(status: MeetingStatus): void {
		if (this.loaded && status !== this.status) {
			if (status === 'live') this.#announce(m.a11y_focus_meeting_started());
			else if (status === 'closed') this.#announce(m.a11y_focus_meeting_closed());
		}
		this.status = status;
	}

	/** "In focus: punto 3, Bilancio", as the agenda has it (it may not have the new item yet). */
	#announceFocus(itemId: string): void {
		const index = this.agenda.findIndex((item) => item.id === itemId);
		if (index === -1) return this.#announce(m.a11y_focus_item_changed());
		this.#announce(m.a11y_focus_item_announce({ number: index + 1, title: this.agenda[index].title || m.focus_untitled() }));
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
	/** Puts one of the table's documents in focus for everyone (null: takes it away). */
	focusOnDocument(documentId: string | null) {
		return this.send('document:focus', { meetingId: this.meetingId, documentId });
	}
	/** Puts a PDF of the table's library in focus for everyone (null: takes it away). */
	focusOnAttachment(attachmentId: string | null) {
		return this.send('attachment:focus', { meetingId: this.meetingId, attachmentId });
	}
	/**
	 * Turns the PDF in focus to `page`: for everyone when this person runs the meeting (the server
	 * checks), else for this person alone, who then browses on their own until "Segui".
	 */
	turnPdfPage(page: number) {
		if (this.viewer.canRun && !this.viewer.publicOnly) return this.send('attachment:page', { meetingId: this.meetingId, page });
		this.pdfFollowing = false;
		this.browsedPage = page;
		return Promise.resolve(null);
	}
	/** Back to the moderator's page. */
	followPdf(): void {
		this.pdfFollowing = true;
		this.browsedPage = this.focusAttachment?.page ?? 1;
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
	/** Decides a tie of a closed poll; the room's state then shows the choice to everyone. */
	async breakTie(pollId: string, optionId: string): Promise<boolean> {
		const answer = await this.send('poll:break-tie', { pollId, optionId });
		if (!answer?.ok) return false;
		const index = this.polls.findIndex((p) => p.poll.id === pollId);
		if (index >= 0) this.polls[index] = { ...this.polls[index], poll: { ...this.polls[index].poll, tieChoice: optionId } };
		return true;
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
		const poll = this.polls.find((p) => p.poll.id === pollId)?.poll;
		if (answer?.ok && poll) {
			const summary = choiceSummary(poll, choice);
			this.#announce(
				pollId in this.myChoices ? m.a11y_focus_vote_changed({ choice: summary }) : m.a11y_focus_vote_recorded({ choice: summary })
			);
		}
		if (answer?.ok) this.myChoices[pollId] = choice;
		else if (answer?.error.code === 'poll_vote_sealed') this.sealedPolls[pollId] = true;
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
