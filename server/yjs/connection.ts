import type { SessionUser } from '../../src/lib/server/auth/sessions.ts';
import type { ReadOnlyReason } from '../../src/lib/realtime/yjs-messages.ts';

/**
 * What the room and the endpoint use of a WebSocket: ws's server-side socket in production, an
 * in-memory end in the room tests (tests/support/yjs-socket-pair.ts).
 */
export interface RoomSocket {
	readonly readyState: number;
	readonly OPEN: number;
	/** Bytes queued but not yet written: the slow-consumer check reads it. */
	readonly bufferedAmount: number;
	send(message: Uint8Array): void;
	close(code: number, reason: string): void;
	/** Keepalive (sync-endpoint.ts). */
	ping(): void;
	terminate(): void;
}

/** One WebSocket on one document. */
export interface Connection {
	socket: RoomSocket;
	user: SessionUser;
	/** The session that opened it: a logout closes it. */
	sessionId: string;
	readOnly: boolean;
	readOnlyReason: ReadOnlyReason;
	/** Messages received while the document loads (at most yjsLoadBufferMessages). */
	buffered: Uint8Array[];
	/** Answered the last keepalive ping. */
	alive: boolean;
	closed: boolean;
}

export function createConnection(
	socket: RoomSocket,
	user: SessionUser,
	sessionId: string,
	readOnly: boolean,
	reason: ReadOnlyReason
): Connection {
	return { socket, user, sessionId, readOnly, readOnlyReason: reason, buffered: [], alive: true, closed: false };
}

/** A reason to close one connection; anything else thrown while handling a message is a 4400. */
export class Refusal extends Error {
	constructor(
		readonly code: number,
		readonly reason: string
	) {
		super(reason);
	}
}
