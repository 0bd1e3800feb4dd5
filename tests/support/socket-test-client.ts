import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../../src/lib/realtime/protocol.ts';

/** Test helper: a real socket.io-client as the browser would open it (cookie + Origin, WebSocket only). */
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export async function connectSocket(origin: string, cookie: string, headers: Record<string, string> = {}): Promise<ClientSocket> {
	const socket: ClientSocket = io(origin, {
		path: '/socket.io',
		transports: ['websocket'],
		extraHeaders: { cookie, origin, ...headers },
		reconnection: false,
		forceNew: true
	});
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', () => resolve());
		socket.once('connect_error', (error) => {
			socket.close();
			reject(error);
		});
	});
	return socket;
}

/** Sends a command and resolves with its acknowledgement. */
export function send<E extends keyof ClientToServerEvents>(
	socket: ClientSocket,
	event: E,
	payload: Parameters<ClientToServerEvents[E]>[0]
): Promise<Ack<Record<string, any>>> {
	return (socket.timeout(10_000).emitWithAck as (event: string, payload: unknown) => Promise<Ack<Record<string, any>>>)(event, payload);
}

/** Collects every event of one name a socket receives. */
export function record<E extends keyof ServerToClientEvents>(socket: ClientSocket, event: E): Parameters<ServerToClientEvents[E]>[0][] {
	const seen: Parameters<ServerToClientEvents[E]>[0][] = [];
	(socket.on as (event: string, listener: (payload: any) => void) => void)(event, (payload) => seen.push(payload));
	return seen;
}

/**
 * A barrier on one socket: a command that changes nothing (leaving a meeting it is not in) and its
 * acknowledgement. socket.io keeps a connection's packets in order both ways, so once this
 * resolves, every event the server sent this socket before it answered has arrived.
 */
export async function ackRoundTrip(socket: ClientSocket): Promise<void> {
	const ack = await send(socket, 'meeting:leave', { meetingId: 'round-trip' });
	if (!ack.ok) throw new Error(`the round-trip command was refused: ${ack.error.code}`);
}
