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
	setMeetingStatus
} from '../../src/lib/server/live/service.ts';
import { recordArrival, recordDeparture } from '../../src/lib/server/live/attendance.ts';
import { castVote, closePoll, createPoll, openPoll, revealPoll } from '../../src/lib/server/polls/service.ts';
import { scheduleNextMeeting } from '../../src/lib/server/meetings/next-meeting.ts';
import { errorMessage, fieldMessages } from '../../src/lib/errors/messages.ts';
import { facilitatorsRoom, meetingRoom, type Ack, type AckError, type ClientToServerEvents } from '../../src/lib/realtime/protocol.ts';
import type { TavoloServer, TavoloSocket } from './socket-types.ts';

export interface MeetingHandlerOptions {
	io: TavoloServer;
	deps: LiveDeps;
	logger: Logger;
	membershipChanges: MembershipChanges;
	metrics: Registry;
	/** TAVOLO_SOCKET_COMMANDS_PER_SECOND: commands one connection may send per second. */
	commandsPerSecond: number;
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
export function registerMeetingHandlers({ io, deps, logger, membershipChanges, metrics, commandsPerSecond }: MeetingHandlerOptions) {
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

	const schedulePresence = (meetingId: string) => {
		deps.broadcaster.coalesce(`presence:${meetingId}`, async () => {
			const present = await deps.broadcaster.presence(meetingId);
			deps.broadcaster.toMeeting(meetingId, 'presence:update', { meetingId, present });
		});
	};

	async function leave(socket: TavoloSocket, meetingId: string): Promise<void> {
		const joined = socket.data.meetings[meetingId];
		if (!joined) return;
		delete socket.data.meetings[meetingId];
		await socket.leave(meetingRoom(meetingId));
		await socket.leave(facilitatorsRoom(meetingId));
		schedulePresence(meetingId);
		await recordDeparture(deps.db, joined.attendanceId);
	}

	async function join(socket: TavoloSocket, meetingId: string) {
		const user = socket.data.user;
		const { meeting, facilitator, member } = await accessMeeting(deps.db, user, meetingId);
		if (!socket.data.meetings[meetingId]) {
			const attendanceId = await recordArrival(deps.db, meetingId, user.id);
			socket.data.meetings[meetingId] = {
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
			await socket.join(meetingRoom(meetingId));
			if (facilitator) await socket.join(facilitatorsRoom(meetingId));
			schedulePresence(meetingId);
		}
		return { state: await readLiveState(deps, meeting, facilitator) };
	}

	/**
	 * A socket recovered within TAVOLO_SOCKET_RECOVERY_SECONDS (REDIS_URL) is back in its rooms
	 * with the events it missed. Its departure was recorded when it dropped, so each meeting is
	 * checked again (the membership may have changed meanwhile) and the arrival recorded anew.
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
			joined.attendanceId = await recordArrival(deps.db, meetingId, socket.data.user.id);
			schedulePresence(meetingId);
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
		command('meeting:leave', async (p) => {
			await leave(socket, parseInput(meetingRef, p).meetingId);
			return none;
		});
		command('meeting:status', async (p) => {
			const { meetingId, ...rest } = parseInput(meetingRef, p);
			return { status: await setMeetingStatus(deps, user, meetingId, rest) };
		});
		command('meeting:focus', async (p) => {
			const { meetingId, ...rest } = parseInput(meetingRef, p);
			await setFocus(deps, user, meetingId, rest);
			return none;
		});
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
				schedulePresence(meetingId);
			}
		}
	});

	return {
		stop: unsubscribe,
		/** Sends every meeting with a socket here its presence again (the cluster's nodes changed). */
		refreshPresence(): void {
			for (const name of io.of('/').adapter.rooms.keys()) {
				const match = /^meeting:([^:]+)$/.exec(name);
				if (match) schedulePresence(match[1]);
			}
		},
		async settled(): Promise<void> {
			while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
		}
	};
}
