import type { Logger } from 'pino';
import { z } from 'zod';
import type { MembershipChanges } from '../../src/lib/server/events.ts';
import type { Db } from '../../src/lib/server/db/connect.ts';
import { AppError, isAppError } from '../../src/lib/server/errors.ts';
import { fields, parseInput } from '../../src/lib/server/validation.ts';
import { authorizeOnTable } from '../../src/lib/server/authz/access.ts';
import { errorMessage, fieldMessages } from '../../src/lib/errors/messages.ts';
import { tableRoom, type Ack } from '../../src/lib/realtime/protocol.ts';
import type { TavoloServer, TavoloSocket } from './socket-types.ts';

export interface TableHandlerOptions {
	io: TavoloServer;
	db: Db;
	logger: Logger;
	membershipChanges: MembershipChanges;
	/** TAVOLO_SOCKET_COMMANDS_PER_SECOND, the same budget as the meeting commands. */
	commandsPerSecond: number;
}

const tableRef = z.object({ tableId: fields.id }).loose();
const tableRoomPattern = /^table:(.+)$/;

function ackError(error: AppError) {
	return {
		ok: false as const,
		error: {
			code: error.code,
			message: errorMessage(error.code, error.details),
			...(error.details.fields ? { fields: fieldMessages(error.details.fields) } : {})
		}
	};
}

/**
 * The table channel (`table:<id>`): the table's pages, its documents and its meetings join it to
 * hear document status and versions, the topic backlog and meeting changes without a reload.
 * Membership is checked on every join and again when a recovered socket comes back; a member
 * removed from the table leaves its channel at once.
 */
export function registerTableHandlers({ io, db, logger, membershipChanges, commandsPerSecond }: TableHandlerOptions) {
	const inFlight = new Set<Promise<unknown>>();
	const track = (promise: Promise<unknown>) => {
		inFlight.add(promise);
		promise.catch((error: unknown) => logger.error({ err: error }, 'table channel task failed')).finally(() => inFlight.delete(promise));
	};

	/** A recovered socket is back in its rooms: each table channel is checked again. */
	async function recheck(socket: TavoloSocket): Promise<void> {
		for (const room of socket.rooms) {
			const match = tableRoomPattern.exec(room);
			if (!match) continue;
			try {
				await authorizeOnTable(db, socket.data.user, match[1], 'table.view');
			} catch (error) {
				if (!isAppError(error)) throw error;
				await socket.leave(room);
			}
		}
	}

	io.on('connection', (socket: TavoloSocket) => {
		if (socket.recovered) track(recheck(socket));
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

		const handle = (run: (tableId: string) => Promise<void>) => (payload: unknown, ack: unknown) => {
			const answer = typeof ack === 'function' ? (ack as (a: Ack) => void) : () => {};
			if (overLimit()) return answer(ackError(new AppError('rate_limited', { retryAfterSeconds: 1 })));
			track(
				Promise.resolve(payload)
					.then((p) => run(parseInput(tableRef, p).tableId))
					.then(
						() => answer({ ok: true }),
						(error: unknown) => {
							if (isAppError(error)) return answer(ackError(error));
							logger.error({ err: error, socketId: socket.id, userId: socket.data.user.id }, 'table channel command failed');
							answer(ackError(new AppError('internal')));
						}
					)
			);
		};
		// Payloads are untrusted: parsed whatever the types say.
		const on = (socket.on as (event: string, listener: (...args: unknown[]) => void) => void).bind(socket);
		on(
			'table:join',
			handle(async (tableId) => {
				await authorizeOnTable(db, socket.data.user, tableId, 'table.view');
				await socket.join(tableRoom(tableId));
			})
		);
		on(
			'table:leave',
			handle(async (tableId) => {
				await socket.leave(tableRoom(tableId));
			})
		);
	});

	const unsubscribe = membershipChanges.subscribe((change) => {
		if (change.role !== null) return;
		for (const socket of io.of('/').sockets.values()) {
			if (socket.data.user?.id === change.userId) track(Promise.resolve(socket.leave(tableRoom(change.tableId))));
		}
	});

	return {
		stop: unsubscribe,
		async settled(): Promise<void> {
			while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
		}
	};
}
