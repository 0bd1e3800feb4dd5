import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from './protocol.ts';
import { roomReconnection } from '../live/room-reconnection.ts';

export type TavoloClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A live part of the page's share of the tab's one socket.io connection: its own listeners,
 * removed when it ends. `socket` is for sending and for asking whether it is connected.
 */
export interface SocketLease {
	readonly socket: TavoloClientSocket;
	/** Like `socket.on`; a `connect` listener also runs at once (soon) when the connection is already up. */
	on: TavoloClientSocket['on'];
	/** Removes this part's listeners; the last lease to end closes the connection. */
	release(): void;
}

let shared: { socket: TavoloClientSocket; leases: number } | null = null;

/**
 * One socket.io connection per browser tab, shared by the page's live parts (the live room, the
 * table's channel, the header's unread count). socket.io-client's own multiplexing would open one
 * more connection for each part on the same namespace, and every connection is a second (or
 * third) place the server tracks the same person: a room of 500 would hold 1,000 connections.
 */
export function leaseSocket(): SocketLease {
	shared ??= { socket: io({ path: '/socket.io', transports: ['websocket'], ...roomReconnection }), leases: 0 };
	const current = shared;
	current.leases++;
	const listeners: Array<[string, (...args: never[]) => void]> = [];
	let released = false;
	const on = (event: string, listener: (...args: never[]) => void) => {
		if (released) return current.socket;
		(current.socket.on as (event: string, listener: (...args: never[]) => void) => unknown)(event, listener);
		listeners.push([event, listener]);
		// The connection came up before this part: it hears its `connect` now, as a new socket would.
		if (event === 'connect' && current.socket.connected)
			queueMicrotask(() => !released && current.socket.connected && (listener as () => void)());
		return current.socket;
	};
	return {
		socket: current.socket,
		on: on as unknown as TavoloClientSocket['on'],
		release() {
			if (released) return;
			released = true;
			for (const [event, listener] of listeners) (current.socket.off as (event: string, listener: unknown) => unknown)(event, listener);
			if (--current.leases === 0) {
				current.socket.disconnect();
				if (shared === current) shared = null;
			}
		}
	};
}
