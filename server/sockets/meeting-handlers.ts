import type { Logger } from 'pino';
import { Gauge, Histogram, type Registry } from 'prom-client';
import { z } from 'zod';
import type { MembershipChanges } from '../../src/lib/server/events.ts';
import { AppError, isAppError } from '../../src/lib/server/errors.ts';
import { fields, parseInput } from '../../src/lib/server/validation.ts';
import { accessMeeting, facilitatesMeeting } from '../../src/lib/server/authz/access.ts';
import type { LiveDeps } from '../../src/lib/server/live/deps.ts';
import {
	broadcastState,
	controlSpeakers,
	controlTimer,
	readLiveState,
	setFocus,
	setFocusDocument,
	setMeetingStatus
} from '../../src/lib/server/live/service.ts';
import { createAttendanceWriter } from '../../src/lib/server/live/attendance.ts';
import { setFocusAttachment, setFocusAttachmentPage } from '../../src/lib/server/live/attachment-focus.ts';
import { checkIn, checkOut } from '../../src/lib/server/live/check-ins.ts';
import { readPresence } from '../../src/lib/server/live/presence.ts';
import { castVote, closePoll, createPoll, openPoll, revealPoll } from '../../src/lib/server/polls/service.ts';
import { scheduleNextMeeting } from '../../src/lib/server/meetings/next-meeting.ts';
import { breakTie } from '../../src/lib/server/polls/tie-break.ts';
import { errorMessage, fieldMessages } from '../../src/lib/errors/messages.ts';
import {
	facilitatorsRoom,
	meetingRoom,
	type Ack,
	type AckError,
	type ClientToServerEvents,
	type ConnectedMember
} from '../../src/lib/realtime/protocol.ts';
import type { TavoloServer, TavoloSocket } from './socket-types.ts';
import type { PresenceLedger } from './presence-ledger.ts';

export interface MeetingHandlerOptions {
	io: TavoloServer;
	deps: LiveDeps;
	logger: Logger;
	/** Who has each room open, across nodes, and each meeting's presence version. */
	ledger: PresenceLedger;
	membershipChanges: MembershipChanges;
	metrics: Registry;
	/** TAVOLO_SOCKET_COMMANDS_PER_SECOND: commands one connection may send per second. */
	commandsPerSecond: number;
	/** TAVOLO_CHECK_INS_PER_MEETING: check-ins one meeting may hold. */
	checkInsPerMeeting: number;
}

const meetingRef = z.object({ meetingId: fields.id }).loose();
const pollRef = z.object({ pollId: fields.id }).loose();

/** A refusal as an acknowledgement, with the catalogue's message (Italian unless told otherwise). */
function toAckError(error: AppError): AckError {
	return {
		code: error.code,
		message: errorMessage(error.code, error.details),
		...(error.details.fields ? { fields: fieldMessages(error.details.fields) } : {})
	};
}

/**
 * The meeting room's socket commands. Each is an acknowledged event that calls the same service
 * as the HTTP API (which re-checks the member's role in the database every time); the service
 * broadcasts what changed.
 */
export function registerMeetingHandlers({
	io,
	deps,
	logger,
	ledger,
	membershipChanges,
	metrics,
	commandsPerSecond,
	checkInsPerMeeting
}: MeetingHandlerOptions) {
	// Time from a command's arrival to its acknowledgement; poll:vote is the vote ack of the benchmark.
	const commandSeconds = new Histogram({
		name: 'tavolo_socket_command_seconds',
		help: 'socket.io commands from arrival to acknowledgement, by event and result',
		labelNames: ['event', 'result'] as const,
		buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
		registers: [metrics]
	});
	new Gauge({
		name: 'tavolo_socket_connections',
		help: 'Open socket.io connections on this node',
		registers: [metrics],
		collect() {
			this.set(io.of('/').sockets.size);
		}
	});
	new Gauge({
		name: 'tavolo_meeting_rooms',
		help: 'Meeting rooms with at least one connection on this node',
		registers: [metrics],
		collect() {
			let rooms = 0;
			for (const name of io.of('/').adapter.rooms.keys()) if (/^meeting:[^:]+$/.test(name)) rooms++;
			this.set(rooms);
		}
	});

	const inFlight = new Set<Promise<unknown>>();
	const track = <T>(promise: Promise<T>): Promise<T> => {
		inFlight.add(promise);
		promise.finally(() => inFlight.delete(promise)).catch(() => {});
		return promise;
	};

	const attendance = createAttendanceWriter(deps.db);

	/**
	 * Presence by deltas: a socket's arrival, departure or changed role goes through the ledger,
	 * which says (atomically, across nodes) whether the room's presence changed and with which
	 * version; only then one small event goes to the room. The full list goes to the socket that
	 * joins, in its answer.
	 */
	async function enterPresence(socket: TavoloSocket, meetingId: string, member: ConnectedMember): Promise<void> {
		const version = await ledger.join(meetingId, socket.id, member);
		if (version !== null) deps.broadcaster.toMeeting(meetingId, 'presence:joined', { meetingId, version, member });
	}
	async function leavePresence(socketId: string, meetingId: string): Promise<void> {
		const left = await ledger.leave(meetingId, socketId);
		if (left) deps.broadcaster.toMeeting(meetingId, 'presence:left', { meetingId, ...left });
	}

	async function leave(socket: TavoloSocket, meetingId: string): Promise<void> {
		const joined = socket.data.meetings[meetingId];
		if (!joined) return;
		delete socket.data.meetings[meetingId];
		await socket.leave(meetingRoom(meetingId));
		await socket.leave(facilitatorsRoom(meetingId));
		await leavePresence(socket.id, meetingId);
		if (joined.attendanceId) await attendance.depart(joined.attendanceId);
	}

	/**
	 * The meeting went live (here or, through the adapter, on another node): the sockets of this
	 * node already in its room are present from now on.
	 */
	function recordWaitingArrivals(meetingId: string): void {
		for (const socket of io.of('/').sockets.values()) {
			const joined = socket.data.meetings?.[meetingId];
			if (!joined || joined.attendanceId) continue;
			const arrival = attendance.arrive(meetingId, socket.data.user.id).then(async (attendanceId) => {
				if (socket.data.meetings[meetingId] === joined && socket.connected && joined.attendanceId === null)
					joined.attendanceId = attendanceId;
				// Left (or joined again) meanwhile: that stay ends here.
				else if (attendanceId) await attendance.depart(attendanceId);
			});
			track(arrival).catch((error: unknown) =>
				logger.error(
					{ err: error, meetingId, socketId: socket.id, userId: socket.data.user.id },
					'could not record an arrival at the start'
				)
			);
		}
	}
	io.on('meeting:started', (meetingId) => recordWaitingArrivals(meetingId));

	async function join(socket: TavoloSocket, meetingId: string) {
		const user = socket.data.user;
		const { meeting, facilitator, member } = await accessMeeting(deps.db, user, meetingId);
		if (!socket.data.meetings[meetingId]) {
			const attendanceId = await attendance.arrive(meetingId, user.id);
			const joined = {
				tableId: meeting.table_id,
				facilitator,
				attendanceId,
				participant: {
					userId: user.id,
					name: user.name,
					role: member?.role ?? null,
					categoryId: member?.categoryId ?? null,
					representedBody: member?.representedBody ?? ''
				}
			};
			socket.data.meetings[meetingId] = joined;
			// In the room before the ledger: every delta after this socket's own version reaches it.
			await socket.join(meetingRoom(meetingId));
			if (facilitator) await socket.join(facilitatorsRoom(meetingId));
			await enterPresence(socket, meetingId, joined.participant);
			// Left (or disconnected) while entering: the departure ran before the ledger had the socket,
			// or (gone before it was in the meeting) never ran.
			if (socket.data.meetings[meetingId] !== joined || !socket.connected) {
				await leavePresence(socket.id, meetingId);
				if (socket.data.meetings[meetingId] === joined) {
					delete socket.data.meetings[meetingId];
					if (attendanceId) await attendance.depart(attendanceId);
				}
			}
		}
		return { state: await readLiveState(deps, meeting, facilitator, user) };
	}

	/**
	 * A socket recovered within TAVOLO_SOCKET_RECOVERY_SECONDS (REDIS_URL) is back in its rooms
	 * with the events it missed. Its departure was recorded when it dropped, so each meeting is
	 * checked again (the membership may have changed meanwhile) and the arrival recorded anew.
	 * socket.io's recovery can miss a broadcast published while the session is being restored
	 * (its local delivery may run before the restored socket is back in the room), so the room
	 * gets the meeting's state once more, through the same coalesced, ordered broadcast.
	 */
	async function resume(socket: TavoloSocket): Promise<void> {
		for (const [meetingId, joined] of Object.entries(socket.data.meetings)) {
			let facilitator: boolean;
			try {
				({ facilitator } = await accessMeeting(deps.db, socket.data.user, meetingId));
			} catch (error) {
				if (!isAppError(error)) throw error;
				delete socket.data.meetings[meetingId];
				await socket.leave(meetingRoom(meetingId));
				await socket.leave(facilitatorsRoom(meetingId));
				continue;
			}
			joined.facilitator = facilitator;
			if (facilitator) await socket.join(facilitatorsRoom(meetingId));
			else await socket.leave(facilitatorsRoom(meetingId));
			joined.attendanceId = await attendance.arrive(meetingId, socket.data.user.id);
			await enterPresence(socket, meetingId, joined.participant);
			broadcastState(deps, meetingId);
		}
	}

	io.on('connection', (socket: TavoloSocket) => {
		const user = socket.data.user;
		if (socket.recovered) {
			track(resume(socket)).catch((error: unknown) => logger.error({ err: error, userId: user.id }, 'could not resume a recovered socket'));
		}

		// Commands per second one socket may send; a person clicks far less, a runaway script more.
		let windowStart = 0;
		let windowCount = 0;
		const overLimit = () => {
			const now = Date.now();
			if (now - windowStart >= 1000) {
				windowStart = now;
				windowCount = 0;
			}
			return ++windowCount > commandsPerSecond;
		};

		/** Wraps a command: parse, run, acknowledge; unexpected errors are logged, never thrown. */
		function command<E extends keyof ClientToServerEvents, R extends object>(event: E, run: (payload: unknown) => Promise<R>) {
			const handler = (payload: unknown, ack: unknown) => {
				const answer = typeof ack === 'function' ? (ack as (a: Ack<R>) => void) : () => {};
				if (overLimit()) return answer({ ok: false, error: toAckError(new AppError('rate_limited', { retryAfterSeconds: 1 })) });
				const timer = commandSeconds.startTimer({ event });
				// Through a promise even when `run` throws at once (a non-async parse), so the error
				// is acknowledged rather than thrown into socket.io's event loop, which would end the process.
				track(Promise.resolve(payload).then(run)).then(
					(result) => {
						timer({ result: 'ok' });
						answer({ ok: true, ...result });
					},
					(error: unknown) => {
						timer({ result: isAppError(error) ? error.code : 'internal' });
						if (isAppError(error)) return answer({ ok: false, error: toAckError(error) });
						logger.error({ err: error, event, socketId: socket.id, userId: user.id }, 'socket command failed');
						answer({ ok: false, error: toAckError(new AppError('internal')) });
					}
				);
			};
			// Payloads are untrusted: the handler takes `unknown` and parses, whatever the types say.
			(socket.on as (event: string, listener: (...args: unknown[]) => void) => void)(event, handler);
		}

		const none = {};
		command('meeting:join', (p) => join(socket, parseInput(meetingRef, p).meetingId));
		command('presence:sync', async (p) => {
			const { meetingId } = parseInput(meetingRef, p);
			// Only a socket in the room hears its deltas; the others have nothing to catch up on.
			if (!socket.data.meetings[meetingId]) throw new AppError('not_found');
			return readPresence(deps, meetingId);
		});
		command('meeting:leave', async (p) => {
			await leave(socket, parseInput(meetingRef, p).meetingId);
			return none;
		});
		command('meeting:status', async (p) => {
			const { meetingId, ...rest } = parseInput(meetingRef, p);
			return { status: await setMeetingStatus(deps, user, meetingId, rest) };
		});
		// What the centre of the room shows: an agenda item, a document, a PDF and its page.
		const focusCommands = {
			'meeting:focus': setFocus,
			'document:focus': setFocusDocument,
			'attachment:focus': setFocusAttachment,
			'attachment:page': setFocusAttachmentPage
		} as const;
		for (const [event, run] of Object.entries(focusCommands) as Array<[keyof typeof focusCommands, typeof setFocus]>) {
			command(event, async (p) => {
				const { meetingId, ...rest } = parseInput(meetingRef, p);
				await run(deps, user, meetingId, rest);
				return none;
			});
		}
		for (const action of ['start', 'pause', 'extend', 'reset'] as const) {
			command(`timer:${action}`, async (p) => {
				const { meetingId, ...rest } = parseInput(meetingRef, p);
				await controlTimer(deps, user, meetingId, { ...rest, action });
				return none;
			});
		}
		const speakerEvents = {
			'hand:raise': 'raise',
			'hand:lower': 'lower',
			'speaker:give': 'give',
			'speaker:end': 'end',
			'speaker:remove': 'remove',
			'speaker:reorder': 'reorder'
		} as const;
		for (const [event, action] of Object.entries(speakerEvents) as Array<[keyof typeof speakerEvents, string]>) {
			command(event, async (p) => {
				const { meetingId, ...rest } = parseInput(meetingRef, p);
				await controlSpeakers(deps, user, meetingId, { ...rest, action });
				return none;
			});
		}
		command('poll:create', async (p) => {
			const { meetingId, ...rest } = parseInput(meetingRef, p);
			return { id: (await createPoll(deps, user, meetingId, rest)).id };
		});
		command('poll:open', async (p) => {
			await openPoll(deps, user, parseInput(pollRef, p).pollId);
			return none;
		});
		command('poll:close', async (p) => {
			await closePoll(deps, user, parseInput(pollRef, p).pollId);
			return none;
		});
		command('poll:reveal', async (p) => {
			const poll = await revealPoll(deps, user, parseInput(pollRef, p).pollId);
			// The results went out already; the room's view of the poll (now revealed) follows, so a
			// shared screen opened by a moderator knows it may show them.
			broadcastState(deps, poll.meetingId);
			return none;
		});
		command('poll:vote', async (p) => {
			const { pollId } = parseInput(pollRef, p);
			await castVote(deps, user, pollId, (p as { choice?: unknown }).choice);
			return none;
		});

		command('attendance:checkin', async (p) => {
			const { meetingId, ...rest } = parseInput(meetingRef, p);
			return { checkInId: await checkIn(deps, user, meetingId, rest, { perMeeting: checkInsPerMeeting }) };
		});
		command('attendance:checkout', async (p) => {
			const { meetingId, ...rest } = parseInput(meetingRef, p);
			await checkOut(deps, user, meetingId, rest);
			return none;
		});
		command('poll:break-tie', async (p) => {
			const { pollId, ...rest } = parseInput(pollRef, p);
			await breakTie(deps, user, pollId, rest);
			return none;
		});

		command('meeting:schedule', async (p) => {
			const { pollId, ...rest } = parseInput(pollRef, p);
			const { meeting, created } = await scheduleNextMeeting(deps, user, pollId, rest);
			return { meetingId: meeting.id, created };
		});

		socket.on('disconnect', () => {
			for (const meetingId of Object.keys(socket.data.meetings)) {
				track(leave(socket, meetingId)).catch((error: unknown) =>
					logger.error({ err: error, meetingId, socketId: socket.id, userId: user.id }, 'could not record the departure from a meeting')
				);
			}
		});
	});

	/**
	 * A member removed from the table leaves its meeting rooms at once; a changed role moves them
	 * in or out of the facilitators' room. Process-local, like the membership changes themselves.
	 */
	const unsubscribe = membershipChanges.subscribe((change) => {
		for (const socket of io.of('/').sockets.values()) {
			if (socket.data.user?.id !== change.userId) continue;
			for (const [meetingId, joined] of Object.entries(socket.data.meetings ?? {})) {
				if (joined.tableId !== change.tableId) continue;
				if (change.role === null) {
					track(leave(socket, meetingId)).catch((error: unknown) =>
						logger.error({ err: error, meetingId, socketId: socket.id, userId: change.userId }, 'could not remove a member from a meeting')
					);
					continue;
				}
				const facilitator = facilitatesMeeting({ isAdmin: socket.data.user.isAdmin, role: change.role });
				joined.facilitator = facilitator;
				joined.participant = { ...joined.participant, role: change.role };
				if (facilitator) socket.join(facilitatorsRoom(meetingId));
				else socket.leave(facilitatorsRoom(meetingId));
				const member = joined.participant;
				track(
					ledger.update(meetingId, member).then((version) => {
						if (version !== null) deps.broadcaster.toMeeting(meetingId, 'presence:changed', { meetingId, version, member });
					})
				).catch((error: unknown) => logger.error({ err: error, meetingId, userId: change.userId }, 'could not update a member’s presence'));
			}
		}
	});

	return {
		stop: unsubscribe,
		recordWaitingArrivals,
		/**
		 * Redis is back: this node's sockets enter the ledger again (a no-op for those it still
		 * has; Redis may have lost them), then the sockets of nodes that stopped are swept.
		 */
		refreshPresence(): void {
			const entering: Array<Promise<void>> = [];
			for (const socket of io.of('/').sockets.values()) {
				for (const [meetingId, joined] of Object.entries(socket.data.meetings ?? {})) {
					entering.push(enterPresence(socket, meetingId, joined.participant));
				}
			}
			track(Promise.all(entering))
				.catch((error: unknown) => logger.error({ err: error }, 'could not enter this node’s sockets in the presence ledger again'))
				.finally(() => this.sweepPresence());
		},
		/** The sockets of nodes that stopped leave the ledger; the room hears each member who left with them. */
		sweepPresence(): void {
			track(
				ledger.sweep().then((left) => {
					for (const { meetingId, version, userId } of left)
						deps.broadcaster.toMeeting(meetingId, 'presence:left', { meetingId, version, userId });
				})
			).catch((error: unknown) => logger.warn({ err: error }, 'could not sweep the presence of stopped nodes'));
		},
		async settled(): Promise<void> {
			while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
		}
	};
}
