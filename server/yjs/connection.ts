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
	/**
	 * A coordinator or an admin: may apply a delete-only update to a document over
	 * TAVOLO_YJS_MAX_DOC_BYTES even when it grows the encoding a little (server/yjs/update-gate.ts).
	 */
	mayRecover: boolean;
	/**
	 * May add, remove and move agenda items while the meeting is live (a moderator, a coordinator,
	 * an admin); the others then edit the items' fields only (server/yjs/update-gate.ts).
	 */
	mayReshape: boolean;
	/**
	 * Asked for Tavolo's own messages (read-only 100, durable 101) with `?tavolo=1`: a stock
	 * y-websocket client that did not ask never receives a type it does not know.
	 */
	notices: boolean;
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
	reason: ReadOnlyReason,
	mayRecover = false,
	mayReshape = true,
	notices = true
): Connection {
	return {
		socket,
		user,
		sessionId,
		readOnly,
		readOnlyReason: reason,
		mayRecover,
		mayReshape,
		notices,
		buffered: [],
		alive: true,
		closed: false
	};
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
