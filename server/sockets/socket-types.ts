import type { Server, Socket } from 'socket.io';
import type { SessionUser } from '../../src/lib/server/auth/sessions.ts';
import type { ClientToServerEvents, Participant, ServerToClientEvents } from '../../src/lib/realtime/protocol.ts';

/** A meeting room a socket joined: what its handlers and presence need to know of it. */
export interface JoinedMeeting {
	tableId: string;
	facilitator: boolean;
	participant: Participant;
	attendanceId: string;
}

export interface SocketData {
	user: SessionUser;
	sessionId: string;
	/** The meeting rooms this socket joined, by meeting id (serialisable: fetchSockets reads it). */
	meetings: Record<string, JoinedMeeting>;
}

export type TavoloServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type TavoloSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
