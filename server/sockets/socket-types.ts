import type { Server, Socket } from 'socket.io';
import type { SessionUser } from '../../src/lib/server/auth/sessions.ts';
import type { ClientToServerEvents, ConnectedMember, ServerToClientEvents } from '../../src/lib/realtime/protocol.ts';

/** A meeting room a socket joined: what its handlers and presence need to know of it. */
export interface JoinedMeeting {
	tableId: string;
	facilitator: boolean;
	participant: ConnectedMember;
	/** This socket's stay in the attendance register; null while the meeting is not live. */
	attendanceId: string | null;
}

/** What the nodes of a cluster tell each other through the socket.io adapter. */
export interface InterServerEvents {
	/** A meeting went live: record the arrival of the sockets waiting in its room. */
	'meeting:started': (meetingId: string) => void;
}

export interface SocketData {
	user: SessionUser;
	sessionId: string;
	/** The meeting rooms this socket joined, by meeting id (serialisable: connection state recovery keeps it). */
	meetings: Record<string, JoinedMeeting>;
}

export type TavoloServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type TavoloSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
