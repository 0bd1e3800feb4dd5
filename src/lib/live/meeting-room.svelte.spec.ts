import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { m } from '$lib/paraglide/messages.js';
import type { AgendaItem } from '$lib/agenda/agenda-doc.ts';
import type { PollResults } from '$lib/polls/tally.ts';
import type {
	Ack,
	ClientToServerEvents,
	LiveState,
	Participant,
	PollSnapshot,
	PollView,
	ServerToClientEvents,
	SpeakerEntry
} from '$lib/realtime/protocol.ts';
import { MeetingRoom, resultsArePublic, type RoomViewer } from './meeting-room.svelte.ts';
import { leaseSocket } from '../realtime/shared-socket.ts';

/**
 * The browser's live room against a real socket.io server on port 0. The server is a thin stand-in
 * for the app's (server/sockets): it speaks the typed protocol, answers joins and commands as each
 * test says, and emits the events a test needs; the room's rules are what is under test.
 */

const meetingId = 'meeting-1';
/** What a socket.io round trip may take on a busy machine; each wait ends as soon as it holds. */
const patience = { timeout: 10_000, interval: 20 };

const ada = {
	userId: 'u-ada',
	name: 'Ada',
	role: 'moderator',
	categoryId: null,
	representedBody: 'Comune di Piana',
	modes: ['app'],
	checkInId: null
} satisfies Participant;
const bea = {
	userId: 'u-bea',
	name: 'Bea',
	role: 'participant',
	categoryId: 'cat-1',
	representedBody: 'Associazione',
	modes: ['app'],
	checkInId: null
} satisfies Participant;
const carlo = {
	userId: 'u-carlo',
	name: 'Carlo',
	role: 'participant',
	categoryId: null,
	representedBody: 'Scuola',
	modes: ['app'],
	checkInId: null
} satisfies Participant;

const participant: RoomViewer = { userId: bea.userId, name: bea.name, canRun: false, canVote: true };
const moderator: RoomViewer = { userId: ada.userId, name: ada.name, canRun: true, canVote: true };
/** The projector, opened from the moderator's session. */
const projector: RoomViewer = { ...moderator, publicOnly: true };

function speaker(who: { userId: string; name: string }, status: SpeakerEntry['status']): SpeakerEntry {
	return {
		id: `turn-${who.userId}`,
		userId: who.userId,
		name: who.name,
		status,
		raisedAt: '2027-01-10T14:00:00.000Z',
		startedAt: status === 'speaking' ? '2027-01-10T14:01:00.000Z' : null,
		spokenMs: 0
	};
}

function results(voters: number): PollResults {
	return { kind: 'single', voters, results: [{ id: 'o-1', label: 'Sì', count: voters }] };
}

function poll(id: string, view: Partial<PollView> = {}, snapshot: Partial<PollSnapshot> = {}): PollSnapshot {
	return {
		poll: {
			id,
			meetingId,
			question: `Domanda ${id}?`,
			kind: 'single',
			status: 'open',
			anonymous: false,
			resultsVisible: 'live',
			revealed: false,
			options: [{ id: 'o-1', label: 'Sì' }],
			maxChoices: null,
			dots: null,
			majority: null,
			quorum: null,
			openedAt: '2027-01-10T14:05:00.000Z',
			closedAt: null,
			nextMeetingId: null,
			tieChoice: null,
			approval: null,
			...view
		},
		voters: 0,
		results: null,
		...snapshot
	};
}

function liveState(state: Partial<LiveState> = {}): LiveState {
	return {
		meetingId,
		tableId: 'table-1',
		title: 'Incontro di gennaio',
		status: 'live',
		focusItemId: 'item-2',
		focusDocument: null,
		focusAttachment: null,
		timers: [
			{ itemId: 'item-1', durationMs: 600_000, elapsedMs: 600_000, runningSince: null },
			{ itemId: 'item-2', durationMs: 900_000, elapsedMs: 60_000, runningSince: '2027-01-10T14:02:00.000Z' }
		],
		speakers: [speaker(carlo, 'speaking'), speaker(bea, 'waiting')],
		polls: [],
		present: [ada, bea, carlo],
		eligiblePresent: 3,
		presenceVersion: 1,
		serverTime: new Date().toISOString(),
		...state
	};
}

const agenda: AgendaItem[] = ['item-1', 'item-2', 'item-3'].map((id, index) => ({
	id,
	title: `Punto ${index + 1}`,
	minutes: 15,
	presenter: '',
	notes: '',
	status: 'todo'
}));

type AnyAck = Ack<Record<string, unknown>>;

interface StandIn {
	origin: string;
	io: Server<ClientToServerEvents, ServerToClientEvents>;
	/** Every join and command received, in order. */
	received: { event: string; payload: unknown }[];
	sockets: ServerSocket<ClientToServerEvents, ServerToClientEvents>[];
	/** The answer to `meeting:join` (undefined: none). */
	joinAnswer: () => Ack<{ state: LiveState }> | undefined;
	/** The answer to any other command (undefined: none, so the room's timeout decides). */
	answer: (event: string, payload: unknown) => AnyAck | undefined;
	close: () => Promise<void>;
}

async function startStandIn(options: { refuse?: boolean } = {}): Promise<StandIn> {
	const http = createServer();
	const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, { path: '/socket.io', transports: ['websocket'] });
	let closing: Promise<void> | undefined;
	const standIn: StandIn = {
		origin: '',
		io,
		received: [],
		sockets: [],
		joinAnswer: () => ({ ok: true, state: liveState() }),
		answer: () => ({ ok: true }),
		// Once: a test may take the server away, and afterEach closes it too.
		close: () => (closing ??= new Promise<void>((resolve) => io.close(() => resolve())))
	};
	if (options.refuse) io.use((_socket, next) => next(new Error('unauthorized')));
	io.on('connection', (socket) => {
		standIn.sockets.push(socket);
		socket.on('meeting:join', (payload, ack) => {
			standIn.received.push({ event: 'meeting:join', payload });
			const answer = standIn.joinAnswer();
			if (answer) ack(answer);
		});
		socket.onAny((event: string, payload: unknown, ack: unknown) => {
			if (event === 'meeting:join') return;
			standIn.received.push({ event, payload });
			const answer = standIn.answer(event, payload);
			if (answer && typeof ack === 'function') ack(answer);
		});
	});
	await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
	standIn.origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
	return standIn;
}

let server: StandIn;
const rooms: MeetingRoom[] = [];

async function useServer(options: { refuse?: boolean } = {}): Promise<void> {
	server = await startStandIn(options);
	// The room connects to the page's own origin, as in the browser.
	vi.stubGlobal('location', new URL(`${server.origin}/meetings/${meetingId}/live`));
}

beforeEach(() => useServer());

afterEach(async () => {
	for (const room of rooms.splice(0)) room.destroy();
	await server.close();
	vi.unstubAllGlobals();
});

function newRoom(viewer: RoomViewer = participant, options: { commandTimeoutMs?: number; presenceGapMs?: number } = {}): MeetingRoom {
	const room = new MeetingRoom(meetingId, viewer, { status: 'planned' }, options);
	rooms.push(room);
	return room;
}

/** A room connected and holding the state its join answered. */
async function joinedRoom(
	viewer: RoomViewer = participant,
	options: { commandTimeoutMs?: number; presenceGapMs?: number } = {}
): Promise<MeetingRoom> {
	const room = newRoom(viewer, options);
	room.connect();
	await vi.waitFor(() => expect(room.loaded).toBe(true), patience);
	return room;
}

let settled = 0;

/** Emits a presence delta and waits for it: events on one socket arrive in order, so all before it were handled. */
async function settle(room: MeetingRoom): Promise<void> {
	const name = `Carlo ${++settled}`;
	const { modes: _modes, checkInId: _checkIn, ...member } = carlo;
	server.io.emit('presence:changed', { meetingId, version: room.presenceVersion + 1, member: { ...member, name } });
	await vi.waitFor(() => expect(room.present.some((p) => p.name === name)).toBe(true), patience);
}

describe('joining the room', () => {
	it('joins its meeting once connected and shows the state the join answers, with what follows from it', async () => {
		// Opened after the other one closed: that one is not shown beside it.
		const open = poll('p-open', { openedAt: '2027-01-10T14:15:00.000Z' });
		const closedEarlier = poll('p-early', { status: 'closed', closedAt: '2027-01-10T14:10:00.000Z' });
		server.joinAnswer = () => ({ ok: true, state: liveState({ polls: [closedEarlier, open] }) });
		const room = newRoom();
		expect(room).toMatchObject({ connection: 'connecting', loaded: false, status: 'planned', live: false });

		room.connect();
		await vi.waitFor(() => expect(room.loaded).toBe(true), patience);

		expect(server.received).toEqual([{ event: 'meeting:join', payload: { meetingId } }]);
		expect(room.connection).toBe('connected');
		expect(room.status).toBe('live');
		expect(room.live).toBe(true);
		expect(room.focusItemId).toBe('item-2');
		expect(room.present).toEqual([ada, bea, carlo]);
		expect(room.focusTimer).toEqual(liveState().timers[1]);
		expect(room.timerFor('item-1')).toEqual(liveState().timers[0]);
		expect(room.timerFor('item-9')).toBeNull();
		expect(room.speaking?.userId).toBe(carlo.userId);
		expect(room.queue.map((s) => s.userId)).toEqual([bea.userId]);
		expect(room.myHandRaised).toBe(true);
		expect(room.polls).toEqual([closedEarlier, open]);
		expect(room.activePoll).toEqual(open);
		expect(room.currentPoll).toEqual(open);
		expect(room.shownPolls).toEqual([open]);
		expect(room.error).toBe('');

		expect(room.focusItem).toBeNull();
		room.agenda = agenda;
		expect(room.focusItem?.title).toBe('Punto 2');
		expect(room.shownItem?.title).toBe('Punto 2');
	});

	it("keeps its clock on the server's, and ticks", async () => {
		const hour = 3_600_000;
		server.joinAnswer = () => ({ ok: true, state: liveState({ serverTime: new Date(Date.now() + hour).toISOString() }) });
		const room = await joinedRoom();

		expect(Math.abs(room.now - (Date.now() + hour))).toBeLessThan(1_000);
		const first = room.now;
		await vi.waitFor(() => expect(room.now).toBeGreaterThan(first), patience);
		expect(Math.abs(room.now - (Date.now() + hour))).toBeLessThan(1_000);
	});

	it("shows a refused join in the server's words and stays unloaded", async () => {
		server.joinAnswer = () => ({ ok: false, error: { code: 'forbidden', message: 'Non fai parte di questo tavolo.' } });
		const room = newRoom();
		room.connect();

		await vi.waitFor(() => expect(room.error).toBe('Non fai parte di questo tavolo.'), patience);
		expect(room.connection).toBe('connected');
		expect(room.loaded).toBe(false);
		expect(room.status).toBe('planned');
	});

	it('goes offline when the connection drops, then reconnects, joins again and shows the state the server has then', async () => {
		const room = await joinedRoom();
		server.joinAnswer = () => ({ ok: true, state: liveState({ status: 'closed', speakers: [], focusItemId: null }) });

		server.sockets[0].conn.close();
		await vi.waitFor(() => expect(room.connection).toBe('offline'), patience);

		await vi.waitFor(() => expect(room.status).toBe('closed'), { timeout: 10_000 });
		expect(room.connection).toBe('connected');
		expect(server.received.map((r) => r.event)).toEqual(['meeting:join', 'meeting:join']);
		expect(server.received[1].payload).toEqual({ meetingId });
		expect(room.focusItemId).toBeNull();
		expect(room.speaking).toBeNull();
		expect(room.myHandRaised).toBe(false);
	});

	it('is offline when the server refuses the connection', async () => {
		await server.close();
		await useServer({ refuse: true });
		const room = newRoom();
		room.connect();

		await vi.waitFor(() => expect(room.connection).toBe('offline'), patience);
		expect(room.loaded).toBe(false);
		expect(server.received).toEqual([]);
	});

	it('leaves the meeting and, alone on the connection, disconnects when destroyed; then sends nothing', async () => {
		const room = await joinedRoom();
		const gone = new Promise<string>((resolve) => server.sockets[0].once('disconnect', resolve));

		room.destroy();
		expect(await gone).toBe('client namespace disconnect');
		expect(await room.raiseHand()).toBeNull();
		expect(room.error).toBe(m.live_error_offline());
		expect(server.received.map((r) => r.event)).toEqual(['meeting:join', 'meeting:leave']);
	});

	it("shares the tab's one connection with the page's other live parts, and keeps it for them when destroyed", async () => {
		const other = leaseSocket();
		const room = await joinedRoom();
		expect(server.sockets).toHaveLength(1);

		room.destroy();
		await vi.waitFor(() => expect(server.received.map((r) => r.event)).toEqual(['meeting:join', 'meeting:leave']), patience);
		expect(server.sockets[0].connected).toBe(true);
		expect(other.socket.connected).toBe(true);
		const gone = new Promise<string>((resolve) => server.sockets[0].once('disconnect', resolve));
		other.release();
		expect(await gone).toBe('client namespace disconnect');
	});
});

describe('server events', () => {
	it('applies meeting:state for its own meeting and ignores another meeting’s', async () => {
		const room = await joinedRoom();
		const own = liveState({
			status: 'closed',
			focusItemId: 'item-3',
			timers: [],
			speakers: [speaker(ada, 'speaking')],
			present: [ada],
			polls: [poll('p-1')]
		});
		server.io.emit('meeting:state', own);
		server.io.emit('meeting:state', liveState({ meetingId: 'meeting-2', focusItemId: 'item-9', speakers: [], polls: [] }));
		await settle(room);

		expect(room.status).toBe('closed');
		expect(room.focusItemId).toBe('item-3');
		expect(room.timers).toEqual([]);
		expect(room.speaking?.userId).toBe(ada.userId);
		expect(room.queue).toEqual([]);
		expect(room.myHandRaised).toBe(false);
		expect(room.polls).toEqual(own.polls);
		expect(room.live).toBe(false);
	});

	it('shows the document in focus, and counts the backlog changes the server announces', async () => {
		const room = await joinedRoom();
		expect(room.focusDocument).toBeNull();
		const focused = { id: 'doc-1', title: 'Protocollo scuole', kind: 'protocol', status: 'draft', docName: 'document:doc-1' } as const;
		server.io.emit('meeting:state', liveState({ focusDocument: focused }));
		await vi.waitFor(() => expect(room.focusDocument).toEqual(focused), patience);
		server.io.emit('topics:changed', { tableId: 'table-1' });
		server.io.emit('topics:changed', { tableId: 'table-1' });
		await vi.waitFor(() => expect(room.topicsRevision).toBe(2), patience);
		server.io.emit('meeting:state', liveState({ focusDocument: null }));
		await vi.waitFor(() => expect(room.focusDocument).toBeNull(), patience);
	});

	it('shows the PDF in focus on the server’s page; a participant browses alone and follows again, a moderator turns it for all', async () => {
		const room = await joinedRoom();
		const pdf = { id: 'att-1', title: 'Relazione', filename: 'relazione.pdf', page: 2 };
		server.io.emit('meeting:state', liveState({ focusAttachment: pdf }));
		await vi.waitFor(() => expect(room.shownPage).toBe(2), patience);
		expect(room.announcement).toBe('Al centro per tutti: Relazione.');

		await room.turnPdfPage(1);
		expect(room).toMatchObject({ pdfFollowing: false, shownPage: 1 });
		server.io.emit('meeting:state', liveState({ focusAttachment: { ...pdf, page: 3 } }));
		await vi.waitFor(() => expect(room.focusAttachment?.page).toBe(3), patience);
		expect(room.shownPage).toBe(1);
		room.followPdf();
		expect(room).toMatchObject({ pdfFollowing: true, shownPage: 3 });
		// Nothing of this was sent: a participant's pages are their own.
		expect(server.received.map((r) => r.event)).toEqual(['meeting:join']);

		// Another PDF put in focus is followed from the moderator's page, whatever one browsed before.
		await room.turnPdfPage(2);
		server.io.emit('meeting:state', liveState({ focusAttachment: { ...pdf, id: 'att-2', page: 1 } }));
		await vi.waitFor(() => expect(room.focusAttachment?.id).toBe('att-2'), patience);
		expect(room).toMatchObject({ pdfFollowing: true, shownPage: 1 });

		const runner = await joinedRoom(moderator);
		await runner.focusOnAttachment('att-1');
		await runner.turnPdfPage(4);
		expect(server.received.filter((r) => r.event.startsWith('attachment:'))).toEqual([
			{ event: 'attachment:focus', payload: { meetingId, attachmentId: 'att-1' } },
			{ event: 'attachment:page', payload: { meetingId, page: 4 } }
		]);
	});

	it('applies presence deltas for its own meeting and ignores another meeting’s', async () => {
		const room = await joinedRoom();
		expect(room.eligiblePresent).toBe(3);
		const { modes: _modes, checkInId: _checkIn, ...member } = ada;
		server.io.emit('presence:left', { meetingId, version: 2, userId: ada.userId });
		server.io.emit('presence:left', { meetingId: 'meeting-2', version: 3, userId: carlo.userId });
		await vi.waitFor(() => expect(room.present).toEqual([bea, carlo]), patience);
		expect(room.eligiblePresent).toBe(2);
		// Meeting-2's version 3 was not held for this room: its own version 3 applies at once.
		server.io.emit('presence:joined', { meetingId, version: 3, member });
		await vi.waitFor(() => expect(room.present).toEqual([ada, bea, carlo]), patience);
		server.io.emit('presence:changed', { meetingId, version: 4, member: { ...member, role: 'observer' } });
		await vi.waitFor(() => expect(room.present[0].role).toBe('observer'), patience);
		expect(room.eligiblePresent).toBe(2);
		// A full list in a state, newer: it replaces the list, with the server's count.
		server.io.emit('meeting:state', liveState({ present: [bea], focusItemId: 'item-3', presenceVersion: 5 }));
		await vi.waitFor(() => expect(room.focusItemId).toBe('item-3'), patience);
		expect(room.present).toEqual([bea]);
		expect(room.eligiblePresent).toBe(3);
		expect(server.received.some((r) => r.event === 'presence:sync')).toBe(false);
	});

	it('applies deltas in version order whatever order they come in (two nodes), and ignores older lists', async () => {
		const room = await joinedRoom();
		// Version 3 (Bea leaves, sent by one node) overtakes version 2 (Ada leaves, another node): held, then both apply.
		server.io.emit('presence:left', { meetingId, version: 3, userId: bea.userId });
		server.io.emit('presence:left', { meetingId, version: 2, userId: ada.userId });
		await vi.waitFor(() => expect(room.present).toEqual([carlo]), patience);
		// A delta already applied, and the presence in a state read before them: ignored.
		server.io.emit('presence:left', { meetingId, version: 3, userId: carlo.userId });
		server.io.emit('meeting:state', liveState({ present: [ada, bea, carlo], presenceVersion: 2, focusItemId: 'item-3' }));
		await vi.waitFor(() => expect(room.focusItemId).toBe('item-3'), patience);
		expect(room.present).toEqual([carlo]);
		expect(server.received.some((r) => r.event === 'presence:sync')).toBe(false);
	});

	it('asks the full list again when a delta stays missing (its node died), and goes on from it', async () => {
		const room = await joinedRoom(participant, { presenceGapMs: 50 });
		const { modes: _modes, checkInId: _checkIn, ...member } = ada;
		server.answer = (event) =>
			event === 'presence:sync' ? { ok: true, present: [ada, carlo], eligiblePresent: 2, version: 4 } : { ok: true };
		// Version 2 never comes; 3 (Bea left) and 5 (Ada changed) are held meanwhile.
		server.io.emit('presence:left', { meetingId, version: 3, userId: bea.userId });
		server.io.emit('presence:changed', { meetingId, version: 5, member: { ...member, name: 'Ada Lovelace' } });
		await vi.waitFor(() => expect(server.received.filter((r) => r.event === 'presence:sync')).toHaveLength(1), patience);
		expect(server.received.find((r) => r.event === 'presence:sync')!.payload).toEqual({ meetingId });
		// The list at version 4, then the held version 5 on top of it.
		await vi.waitFor(() => expect(room.present.map((p) => p.name)).toEqual(['Ada Lovelace', 'Carlo']), patience);
		expect(room.eligiblePresent).toBe(2);
	});

	it('follows a change or cancellation of its own meeting and ignores another meeting’s', async () => {
		const room = await joinedRoom();
		const changed = {
			id: meetingId,
			tableId: 'table-1',
			title: 'Incontro spostato',
			startsAt: '2027-03-12T09:00:00.000Z',
			endsAt: '2027-03-12T11:00:00.000Z',
			videoUrl: null,
			status: 'cancelled' as const
		};
		server.io.emit('meeting:updated', { meeting: { ...changed, id: 'meeting-2', status: 'closed' } });
		server.io.emit('meeting:updated', { meeting: changed });
		await vi.waitFor(() => expect(room.changedMeeting).toEqual(changed), patience);
		expect(room.status).toBe('cancelled');
	});

	it('tells this person when they are given the floor, not when they already had it on arrival', async () => {
		server.joinAnswer = () => ({ ok: true, state: liveState({ speakers: [speaker(bea, 'speaking')] }) });
		const room = await joinedRoom();
		await settle(room);
		expect(room.announcement).toBe('');

		server.io.emit('meeting:state', liveState({ speakers: [speaker(carlo, 'speaking')] }));
		await vi.waitFor(() => expect(room.speaking?.userId).toBe(carlo.userId), patience);
		await settle(room);
		expect(room.announcement).toBe('');

		server.io.emit('meeting:state', liveState({ speakers: [speaker(bea, 'speaking'), speaker(carlo, 'waiting')] }));
		await vi.waitFor(() => expect(room.announcement).toBe(m.live_floor_yours()), patience);
		expect(room.speaking?.userId).toBe(bea.userId);
		expect(room.myHandRaised).toBe(false);

		// Said once: a later state with the same speaker says nothing new.
		room.announcement = '';
		server.io.emit('meeting:state', liveState({ speakers: [speaker(bea, 'speaking')] }));
		await settle(room);
		expect(room.announcement).toBe('');
	});

	it('adds polls as they are created, opened, counted and closed, and announces opening and closing (with the outcome)', async () => {
		const room = await joinedRoom(moderator);
		server.io.emit('poll:results', { meetingId, pollId: 'p-unknown', results: results(1) });
		await settle(room);
		expect(room.polls).toEqual([]);

		const draft = poll('p-1', { status: 'draft', openedAt: null });
		server.io.emit('poll:created', draft);
		await vi.waitFor(() => expect(room.polls).toEqual([draft]), patience);
		expect(room.activePoll).toBeNull();
		expect(room.currentPoll).toBeNull();

		const opened = poll('p-1', { status: 'open' });
		server.io.emit('poll:opened', opened);
		await vi.waitFor(() => expect(room.announcement).toBe(m.live_poll_opened_announce({ question: 'Domanda p-1?' })), patience);
		expect(room.polls).toEqual([opened]);
		expect(room.activePoll).toEqual(opened);
		expect(room.currentPoll).toEqual(opened);

		server.io.emit('poll:results', { meetingId, pollId: 'p-1', results: results(3) });
		await vi.waitFor(() => expect(room.activePoll?.results).toEqual(results(3)), patience);
		expect(room.activePoll?.voters).toBe(3);

		const closed = poll('p-1', { status: 'closed', closedAt: '2027-01-10T14:20:00.000Z' }, { voters: 4, results: results(4) });
		server.io.emit('poll:closed', closed);
		await vi.waitFor(() => expect(room.announcement).toBe('Votazione chiusa: Domanda p-1? Esito: Sì'), patience);
		expect(room.polls).toEqual([closed]);
		expect(room.activePoll).toBeNull();
		expect(room.currentPoll).toEqual(closed);

		// The current poll is the open one, else the one closed last.
		const closedLater = poll('p-2', { status: 'closed', closedAt: '2027-01-10T14:30:00.000Z' });
		server.io.emit('poll:closed', closedLater);
		await vi.waitFor(() => expect(room.currentPoll?.poll.id).toBe('p-2'), patience);
		const reopened = poll('p-1', { status: 'open' });
		server.io.emit('poll:opened', reopened);
		await vi.waitFor(() => expect(room.currentPoll?.poll.id).toBe('p-1'), patience);
		expect(room.polls.map((p) => p.poll.id)).toEqual(['p-1', 'p-2']);
	});

	it('as a facilitator, keeps the results and drafts it knows when a broadcast for members leaves them out', async () => {
		const draft = poll('p-draft', { status: 'draft', openedAt: null });
		const hidden = poll('p-hidden', { resultsVisible: 'hidden' }, { voters: 2, results: results(2) });
		server.joinAnswer = () => ({ ok: true, state: liveState({ polls: [draft, hidden] }) });
		const room = await joinedRoom(moderator);

		server.io.emit('meeting:state', liveState({ focusItemId: 'item-3', polls: [{ ...hidden, results: null }] }));
		await vi.waitFor(() => expect(room.focusItemId).toBe('item-3'), patience);
		expect(room.polls).toEqual([hidden, draft]);

		// The count it knows goes with the results it keeps.
		server.io.emit('poll:closed', poll('p-hidden', { resultsVisible: 'hidden', status: 'closed' }, { voters: 1 }));
		await vi.waitFor(() => expect(room.activePoll).toBeNull(), patience);
		expect(room.polls[0].results).toEqual(results(2));
		expect(room.polls[0].voters).toBe(2);
	});

	it('as a member, takes a broadcast as it comes: no results it may not see', async () => {
		const hidden = poll('p-hidden', { resultsVisible: 'hidden' }, { voters: 2, results: results(2) });
		server.joinAnswer = () => ({ ok: true, state: liveState({ polls: [hidden] }) });
		const room = await joinedRoom(participant);

		const withoutResults = { ...hidden, results: null };
		server.io.emit('meeting:state', liveState({ focusItemId: 'item-3', polls: [withoutResults] }));
		await vi.waitFor(() => expect(room.focusItemId).toBe('item-3'), patience);
		expect(room.polls).toEqual([withoutResults]);

		server.io.emit('poll:opened', hidden);
		await vi.waitFor(() => expect(room.polls[0].results).toEqual(results(2)), patience);
		server.io.emit('poll:closed', poll('p-hidden', { resultsVisible: 'hidden', status: 'closed' }, { voters: 2 }));
		await vi.waitFor(() => expect(room.activePoll).toBeNull(), patience);
		expect(room.polls[0].results).toBeNull();
	});

	it('on a shared screen, shows only what every member may see, even from a facilitator’s session', async () => {
		const draft = poll('p-draft', { status: 'draft', openedAt: null });
		const hidden = poll('p-hidden', { resultsVisible: 'hidden' }, { voters: 2, results: results(2) });
		const afterClose = poll('p-after', { resultsVisible: 'after_close' }, { voters: 1, results: results(1) });
		const live = poll('p-live', { resultsVisible: 'live' }, { voters: 3, results: results(3) });
		server.joinAnswer = () => ({ ok: true, state: liveState({ polls: [draft, hidden, afterClose, live] }) });
		const room = await joinedRoom(projector);

		expect(room.polls).toEqual([{ ...hidden, results: null }, { ...afterClose, results: null }, live]);

		server.io.emit('poll:created', poll('p-draft-2', { status: 'draft', openedAt: null }));
		server.io.emit('poll:results', { meetingId, pollId: 'p-hidden', results: results(5) });
		server.io.emit('poll:results', { meetingId, pollId: 'p-live', results: results(6) });
		await vi.waitFor(() => expect(room.polls[2].results).toEqual(results(6)), patience);
		await settle(room);
		expect(room.polls.map((p) => p.poll.id)).toEqual(['p-hidden', 'p-after', 'p-live']);
		expect(room.polls[0].results).toBeNull();

		const closed = poll('p-after', { resultsVisible: 'after_close', status: 'closed' }, { voters: 1, results: results(1) });
		server.io.emit('poll:closed', closed);
		await vi.waitFor(() => expect(room.polls[1]).toEqual(closed), patience);

		const revealed = poll('p-hidden', { resultsVisible: 'hidden', status: 'closed', revealed: true }, { voters: 2, results: results(2) });
		server.io.emit('poll:closed', revealed);
		await vi.waitFor(() => expect(room.polls[0]).toEqual(revealed), patience);
	});

	it('says when results are public: live, after closing once closed, or revealed', () => {
		const view = (status: PollView['status'], resultsVisible: PollView['resultsVisible'], revealed = false) =>
			poll('p', { status, resultsVisible, revealed }).poll;
		expect(resultsArePublic(view('open', 'live'))).toBe(true);
		expect(resultsArePublic(view('open', 'after_close'))).toBe(false);
		expect(resultsArePublic(view('closed', 'after_close'))).toBe(true);
		expect(resultsArePublic(view('closed', 'hidden'))).toBe(false);
		expect(resultsArePublic(view('closed', 'hidden', true))).toBe(true);
	});

	it('is runes state: an effect reading it runs again when a server event changes what it read', async () => {
		const room = await joinedRoom();
		const seen: (string | null)[] = [];
		const stop = $effect.root(() => {
			$effect(() => {
				seen.push(room.activePoll?.poll.id ?? null);
			});
		});
		try {
			await vi.waitFor(() => expect(seen).toEqual([null]), patience);
			server.io.emit('poll:opened', poll('p-1'));
			await vi.waitFor(() => expect(seen).toEqual([null, 'p-1']), patience);
			server.io.emit('poll:closed', poll('p-1', { status: 'closed', closedAt: '2027-01-10T14:20:00.000Z' }));
			await vi.waitFor(() => expect(seen).toEqual([null, 'p-1', null]), patience);
		} finally {
			stop();
		}
	});
});

describe('commands', () => {
	const commands: [string, (room: MeetingRoom) => Promise<unknown>, keyof ClientToServerEvents, object][] = [
		['setStatus', (room) => room.setStatus('live'), 'meeting:status', { meetingId, status: 'live' }],
		['focus', (room) => room.focus('item-3'), 'meeting:focus', { meetingId, itemId: 'item-3' }],
		['focus on nothing', (room) => room.focus(null), 'meeting:focus', { meetingId, itemId: null }],
		['focusOnDocument', (room) => room.focusOnDocument('doc-1'), 'document:focus', { meetingId, documentId: 'doc-1' }],
		['focusOnDocument none', (room) => room.focusOnDocument(null), 'document:focus', { meetingId, documentId: null }],
		['startTimer', (room) => room.startTimer('item-2', 300_000), 'timer:start', { meetingId, itemId: 'item-2', durationMs: 300_000 }],
		['pauseTimer', (room) => room.pauseTimer('item-2'), 'timer:pause', { meetingId, itemId: 'item-2' }],
		['extendTimer', (room) => room.extendTimer('item-2', 60_000), 'timer:extend', { meetingId, itemId: 'item-2', byMs: 60_000 }],
		['resetTimer', (room) => room.resetTimer('item-2'), 'timer:reset', { meetingId, itemId: 'item-2' }],
		['raiseHand', (room) => room.raiseHand(), 'hand:raise', { meetingId }],
		['lowerHand', (room) => room.lowerHand(), 'hand:lower', { meetingId }],
		['lowerHand of another', (room) => room.lowerHand(carlo.userId), 'hand:lower', { meetingId, userId: carlo.userId }],
		['giveFloor', (room) => room.giveFloor(bea.userId), 'speaker:give', { meetingId, userId: bea.userId }],
		['endTurn', (room) => room.endTurn(), 'speaker:end', { meetingId }],
		['removeSpeaker', (room) => room.removeSpeaker(bea.userId), 'speaker:remove', { meetingId, userId: bea.userId }],
		[
			'reorderQueue',
			(room) => room.reorderQueue([carlo.userId, bea.userId]),
			'speaker:reorder',
			{ meetingId, userIds: [carlo.userId, bea.userId] }
		],
		['openPoll', (room) => room.openPoll('p-1'), 'poll:open', { pollId: 'p-1' }],
		['closePoll', (room) => room.closePoll('p-1'), 'poll:close', { pollId: 'p-1' }],
		['revealPoll', (room) => room.revealPoll('p-1'), 'poll:reveal', { pollId: 'p-1' }]
	];

	it('sends each command with its meeting and arguments, returns the acknowledgement and clears the last error', async () => {
		const room = await joinedRoom(moderator);
		for (const [name, call, event, payload] of commands) {
			room.error = 'the previous refusal';
			server.received.length = 0;
			expect(await call(room), name).toEqual({ ok: true });
			expect(server.received, name).toEqual([{ event, payload }]);
			expect(room.error, name).toBe('');
		}
	});

	it("shows a refusal in the server's words and returns it", async () => {
		const room = await joinedRoom();
		const refusal: AnyAck = { ok: false, error: { code: 'forbidden', message: 'Solo il moderatore può dare la parola.' } };
		server.answer = () => refusal;

		expect(await room.giveFloor(carlo.userId)).toEqual(refusal);
		expect(room.error).toBe('Solo il moderatore può dare la parola.');
	});

	it('gives up on a command the server never answers, and says so', async () => {
		// A short timeout of its own: the default (8 s) is the same code path, only slower.
		const room = await joinedRoom(participant, { commandTimeoutMs: 300 });
		server.answer = () => undefined;

		expect(await room.raiseHand()).toBeNull();
		expect(room.error).toBe(m.live_error_timeout());
		expect(server.received.at(-1)).toEqual({ event: 'hand:raise', payload: { meetingId } });
	});

	it('refuses commands while the connection is down, rather than holding them back', async () => {
		const room = await joinedRoom();
		await server.close();
		await vi.waitFor(() => expect(room.connection).toBe('offline'), patience);

		expect(await room.raiseHand()).toBeNull();
		expect(room.error).toBe(m.live_error_offline());
	});

	it('sends nothing before it is connected, and says it is offline', async () => {
		const room = newRoom();

		expect(await room.raiseHand()).toBeNull();
		expect(room.error).toBe(m.live_error_offline());
		expect(await room.createPoll({ question: 'Domanda?' }, true)).toEqual({ code: 'unavailable', message: m.live_error_offline() });
		expect(server.received).toEqual([]);
	});

	it('creates a poll and opens it at once when asked', async () => {
		const room = await joinedRoom(moderator);
		server.answer = (event) => (event === 'poll:create' ? { ok: true, id: 'p-new' } : { ok: true });
		const input = { kind: 'single', question: 'Quale sede?', options: ['Municipio', 'Biblioteca'] };

		expect(await room.createPoll(input, false)).toBeNull();
		expect(server.received.slice(1)).toEqual([{ event: 'poll:create', payload: { meetingId, ...input } }]);

		server.received.length = 0;
		expect(await room.createPoll(input, true)).toBeNull();
		expect(server.received).toEqual([
			{ event: 'poll:create', payload: { meetingId, ...input } },
			{ event: 'poll:open', payload: { pollId: 'p-new' } }
		]);
	});

	it("returns a refused poll's error and opens nothing", async () => {
		const room = await joinedRoom(moderator);
		const error = { code: 'validation_failed', message: 'Controlla i campi.', fields: { question: 'Obbligatoria' } };
		server.answer = () => ({ ok: false, error });

		expect(await room.createPoll({ question: '' }, true)).toEqual(error);
		expect(server.received.map((r) => r.event)).toEqual(['meeting:join', 'poll:create']);
	});

	it('remembers a ballot only once the server accepted it', async () => {
		const room = await joinedRoom();
		server.answer = () => ({ ok: false, error: { code: 'poll_closed', message: 'La votazione è chiusa.' } });
		expect(await room.vote('p-1', 'o-1')).toBe(false);
		expect(room.myChoices).toEqual({});
		expect(room.error).toBe('La votazione è chiusa.');

		server.answer = () => ({ ok: true });
		expect(await room.vote('p-1', 'o-2')).toBe(true);
		expect(server.received.at(-1)).toEqual({ event: 'poll:vote', payload: { pollId: 'p-1', choice: 'o-2' } });
		expect(room.myChoices).toEqual({ 'p-1': 'o-2' });
	});

	it('starts each ballot from the choice the join answer says the member made (myBallot)', async () => {
		const mine = poll('p-mine', { anonymous: true }, { myBallot: { kind: 'single', option: 'o-1' }, hasVoted: true });
		const sealed = poll('p-sealed', { anonymous: true }, { myBallot: null, hasVoted: true });
		server.joinAnswer = () => ({ ok: true, state: liveState({ polls: [mine, sealed] }) });
		const room = await joinedRoom();
		expect(room.myChoices).toEqual({ 'p-mine': 'o-1' });
		// The member voted but the key is gone: the page says the vote stands and cannot change.
		expect(room.sealedPolls).toEqual({ 'p-sealed': true });

		server.answer = () => ({ ok: false, error: { code: 'poll_vote_sealed', message: 'Il tuo voto segreto è già registrato…' } });
		expect(await room.vote('p-mine', 'o-1')).toBe(false);
		expect(room.sealedPolls).toEqual({ 'p-sealed': true, 'p-mine': true });
	});

	it('shows every open poll with its own ballot, each starting from its own choice, and those closed beside them; else the latest closed one', async () => {
		const first = poll('p-1', {}, { myBallot: { kind: 'single', option: 'o-1' }, hasVoted: true });
		const second = poll(
			'p-2',
			{
				kind: 'multiple',
				options: [
					{ id: 'a', label: 'A' },
					{ id: 'b', label: 'B' }
				]
			},
			{ myBallot: null, hasVoted: false }
		);
		const closed = poll('p-0', { status: 'closed', closedAt: '2027-01-10T14:00:00.000Z' });
		server.joinAnswer = () => ({ ok: true, state: liveState({ polls: [closed, first, second] }) });
		const room = await joinedRoom();
		expect(room.openPolls.map((p) => p.poll.id)).toEqual(['p-1', 'p-2']);
		expect(room.shownPolls.map((p) => p.poll.id)).toEqual(['p-1', 'p-2']);
		expect(room.myChoices).toEqual({ 'p-1': 'o-1' });
		expect(await room.vote('p-2', ['a', 'b'])).toBe(true);
		expect(room.myChoices).toEqual({ 'p-1': 'o-1', 'p-2': ['a', 'b'] });

		// The first closes while the second is still open: its outcome stays in view beside it
		// (the one closed before either opened does not come back).
		server.io.emit('poll:closed', { ...first, poll: { ...first.poll, status: 'closed', closedAt: '2027-01-10T14:30:00.000Z' } });
		await vi.waitFor(() => expect(room.openPolls.map((p) => p.poll.id)).toEqual(['p-2']), patience);
		expect(room.shownPolls.map((p) => p.poll.id)).toEqual(['p-1', 'p-2']);
		server.io.emit('poll:closed', { ...second, poll: { ...second.poll, status: 'closed', closedAt: '2027-01-10T14:20:00.000Z' } });
		await vi.waitFor(() => expect(room.openPolls).toEqual([]), patience);
		expect(room.shownPolls.map((p) => p.poll.id)).toEqual(['p-1']);
	});

	it('sends a tie choice and shows it at once; announces a choice the room hears of', async () => {
		const tied = poll('p-tie', { kind: 'ranked', status: 'closed', closedAt: '2027-01-10T14:40:00.000Z' });
		server.joinAnswer = () => ({ ok: true, state: liveState({ polls: [tied] }) });
		const room = await joinedRoom(moderator);
		server.answer = () => ({ ok: false, error: { code: 'forbidden', message: 'Non puoi.' } });
		expect(await room.breakTie('p-tie', 'o-1')).toBe(false);
		expect(room.polls[0].poll.tieChoice).toBeNull();
		server.answer = () => ({ ok: true });
		expect(await room.breakTie('p-tie', 'o-1')).toBe(true);
		expect(server.received.at(-1)).toEqual({ event: 'poll:break-tie', payload: { pollId: 'p-tie', optionId: 'o-1' } });
		expect(room.polls[0].poll.tieChoice).toBe('o-1');

		const member = await joinedRoom();
		server.io.emit('meeting:state', liveState({ polls: [{ ...tied, poll: { ...tied.poll, tieChoice: 'o-1' } }] }));
		await vi.waitFor(() => expect(member.announcement).toBe(m.poll_tie_chosen_announce({ option: 'Sì' })), patience);
	});

	it('schedules the next meeting from a closed poll and links it at once', async () => {
		const scheduling = poll('p-when', { kind: 'scheduling', status: 'closed', closedAt: '2027-01-10T14:40:00.000Z' });
		server.joinAnswer = () => ({ ok: true, state: liveState({ polls: [scheduling] }) });
		const room = await joinedRoom(moderator);

		server.answer = () => ({ ok: false, error: { code: 'conflict', message: 'La votazione è ancora aperta.' } });
		expect(await room.scheduleNextMeeting('p-when', { topicPollId: null })).toBe(false);
		expect(room.polls[0].poll.nextMeetingId).toBeNull();

		server.answer = () => ({ ok: true, meetingId: 'meeting-2', created: true });
		expect(await room.scheduleNextMeeting('p-when', { topicPollId: 'p-topics', slotId: 'slot-1' })).toBe(true);
		expect(server.received.at(-1)).toEqual({
			event: 'meeting:schedule',
			payload: { pollId: 'p-when', topicPollId: 'p-topics', slotId: 'slot-1' }
		});
		expect(room.polls[0].poll.nextMeetingId).toBe('meeting-2');
		await vi.waitFor(() => expect(room.announcement).toBe(m.next_meeting_created_announce()), patience);
	});
});

describe('what the announcer says', () => {
	const yesNo = (id: string, view: Partial<PollView> = {}, snapshot: Partial<PollSnapshot> = {}) =>
		poll(
			id,
			{
				kind: 'yesno',
				question: 'Approviamo il bilancio?',
				options: [
					{ id: 'yes', label: 'Favorevole' },
					{ id: 'no', label: 'Contrario' },
					{ id: 'abstain', label: 'Astenuto' }
				],
				majority: 'simple',
				...view
			},
			snapshot
		);
	const motionResults = (passed: boolean): PollResults => ({
		kind: 'yesno',
		voters: 3,
		results: [
			{ id: 'yes', label: 'Favorevole', count: passed ? 2 : 1 },
			{ id: 'no', label: 'Contrario', count: passed ? 1 : 2 },
			{ id: 'abstain', label: 'Astenuto', count: 0 }
		],
		outcome: { rule: 'simple', quorum: null, quorumMet: true, yes: passed ? 2 : 1, no: passed ? 1 : 2, abstain: 0, passed }
	});

	it('says a vote was recorded, then that it was changed, with the choice in words; nothing when refused', async () => {
		server.joinAnswer = () => ({ ok: true, state: liveState({ polls: [yesNo('p-1')] }) });
		const room = await joinedRoom();
		expect(await room.vote('p-1', 'yes')).toBe(true);
		expect(room.announcement).toBe('Voto registrato: Favorevole');
		expect(room.announced.polite.text).toBe('Voto registrato: Favorevole');
		expect(await room.vote('p-1', 'no')).toBe(true);
		expect(room.announcement).toBe('Voto aggiornato: Contrario');

		// The same words again are a new announcement (a new node), so the screen reader says them again.
		const serial = room.announced.polite.serial;
		expect(await room.vote('p-1', 'no')).toBe(true);
		expect(room.announced.polite).toEqual({ text: 'Voto aggiornato: Contrario', serial: serial + 1 });

		server.answer = () => ({ ok: false, error: { code: 'poll_closed', message: 'La votazione è chiusa.' } });
		expect(await room.vote('p-1', 'yes')).toBe(false);
		expect(room.announced.polite.serial).toBe(serial + 1);
	});

	it('closes a motion with its outcome, a choice with the option that leads, a tie as such, and a hidden one without', async () => {
		const room = await joinedRoom();
		server.io.emit('poll:closed', yesNo('p-1', { status: 'closed' }, { results: motionResults(true) }));
		await vi.waitFor(() => expect(room.announcement).toBe('Votazione chiusa: Approviamo il bilancio? Esito: Approvata'), patience);
		server.io.emit('poll:closed', yesNo('p-2', { status: 'closed', question: 'Rinviamo' }, { results: motionResults(false) }));
		await vi.waitFor(() => expect(room.announcement).toBe('Votazione chiusa: Rinviamo. Esito: Respinta'), patience);

		const options = [
			{ id: 'a', label: 'Lunedì' },
			{ id: 'b', label: 'Martedì' }
		];
		const counts = (a: number, b: number): PollResults => ({
			kind: 'single',
			voters: a + b,
			results: [
				{ id: 'a', label: 'Lunedì', count: a },
				{ id: 'b', label: 'Martedì', count: b }
			]
		});
		server.io.emit('poll:closed', poll('p-3', { status: 'closed', question: 'Quando?', options }, { results: counts(1, 3) }));
		await vi.waitFor(() => expect(room.announcement).toBe('Votazione chiusa: Quando? Esito: Martedì'), patience);
		server.io.emit('poll:closed', poll('p-4', { status: 'closed', question: 'Dove?', options }, { results: counts(2, 2) }));
		await vi.waitFor(() => expect(room.announcement).toBe('Votazione chiusa: Dove? Esito: Parità tra Lunedì, Martedì'), patience);
		server.io.emit('poll:closed', poll('p-5', { status: 'closed', question: 'Chi?', options }, { results: counts(0, 0) }));
		await vi.waitFor(() => expect(room.announcement).toBe('Votazione chiusa: Chi? Esito: nessun voto'), patience);
		server.io.emit('poll:closed', poll('p-6', { status: 'closed', question: 'Segreta?', resultsVisible: 'hidden' }));
		await vi.waitFor(() => expect(room.announcement).toBe('Votazione chiusa: Segreta?'), patience);
	});

	it('says when hidden results are revealed, once', async () => {
		const hidden = poll('p-1', { resultsVisible: 'hidden', status: 'closed', question: 'Segreta?' });
		server.joinAnswer = () => ({ ok: true, state: liveState({ polls: [hidden] }) });
		const room = await joinedRoom();
		server.io.emit('meeting:state', liveState({ polls: [{ ...hidden, poll: { ...hidden.poll, revealed: true } }] }));
		await vi.waitFor(() => expect(room.announcement).toBe('Risultati visibili a tutti: Segreta?'), patience);
		const serial = room.announced.polite.serial;
		server.io.emit('meeting:state', liveState({ polls: [{ ...hidden, poll: { ...hidden.poll, revealed: true } }] }));
		await settle(room);
		expect(room.announced.polite.serial).toBe(serial);
	});

	it('names the item put in focus, by its number and title in the agenda', async () => {
		const room = await joinedRoom();
		room.agenda = agenda;
		server.io.emit('meeting:state', liveState({ focusItemId: 'item-3' }));
		await vi.waitFor(() => expect(room.announcement).toBe('In focus: punto 3, Punto 3'), patience);
		server.io.emit('meeting:state', liveState({ focusItemId: 'item-new' }));
		await vi.waitFor(() => expect(room.announcement).toBe('Il punto in focus è cambiato.'), patience);
		room.announcement = '';
		server.io.emit('meeting:state', liveState({ focusItemId: null }));
		await settle(room);
		expect(room.announcement).toBe('');
	});

	it('says when the meeting starts and closes, once each, whichever event brings it', async () => {
		server.joinAnswer = () => ({ ok: true, state: liveState({ status: 'planned' }) });
		const room = await joinedRoom();
		expect(room.announced.polite.serial).toBe(0);
		server.io.emit('meeting:state', liveState({ status: 'live' }));
		await vi.waitFor(() => expect(room.announcement).toBe("L'incontro è iniziato."), patience);
		server.io.emit('meeting:state', liveState({ status: 'closed' }));
		await vi.waitFor(() => expect(room.announcement).toBe("L'incontro è chiuso."), patience);
		const serial = room.announced.polite.serial;
		server.io.emit('meeting:updated', { meeting: { id: meetingId, status: 'closed' } as never });
		await settle(room);
		expect(room.announced.polite.serial).toBe(serial);
	});

	it('gives the floor on the assertive channel, the rest on the polite one', async () => {
		const room = await joinedRoom();
		server.io.emit('meeting:state', liveState({ speakers: [speaker(bea, 'speaking')] }));
		await vi.waitFor(() => expect(room.announced.assertive.text).toBe(m.live_floor_yours()), patience);
		expect(room.announced.polite.text).toBe('');
	});
});

describe('what the centre shows', () => {
	it("follows the moderator's focus, or the item this person chose to look at meanwhile", async () => {
		const room = await joinedRoom();
		room.agenda = agenda;
		expect(room.shownItemId).toBe('item-2');

		room.view('item-1');
		expect(room.following).toBe(false);
		expect(room.shownItem?.title).toBe('Punto 1');
		server.io.emit('meeting:state', liveState({ focusItemId: 'item-3' }));
		await vi.waitFor(() => expect(room.focusItem?.title).toBe('Punto 3'), patience);
		expect(room.shownItemId).toBe('item-1');

		room.follow();
		expect(room.following).toBe(true);
		expect(room.viewedItemId).toBeNull();
		expect(room.shownItem?.title).toBe('Punto 3');
	});
});
