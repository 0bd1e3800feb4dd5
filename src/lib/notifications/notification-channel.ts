import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../realtime/protocol.ts';
import { roomReconnection } from '../live/room-reconnection.ts';

type ChannelSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * The header's live unread count: a socket.io connection (the server puts it in the user's own
 * room) handing each `notifications:changed` to `onUnread`. After every (re)connection the count
 * is read again over HTTP, since what changed while it was away was not heard.
 */
export class NotificationChannel {
	#socket: ChannelSocket | null = null;

	constructor(private readonly onUnread: (unread: number) => void) {}

	connect(): void {
		const socket: ChannelSocket = io({ path: '/socket.io', transports: ['websocket'], ...roomReconnection });
		this.#socket = socket;
		socket.on('connect', () => void this.refresh());
		socket.on('notifications:changed', ({ unread }) => this.onUnread(unread));
	}

	/** Reads the count over HTTP (after a reconnection, or when a page changed it). */
	async refresh(): Promise<void> {
		try {
			const response = await fetch('/api/v1/notifications', { headers: { accept: 'application/json' } });
			if (!response.ok) return;
			const body = (await response.json()) as { unread: number };
			this.onUnread(body.unread);
		} catch {
			// Offline: the count stays as it was until the connection is back (and reads it again).
		}
	}

	destroy(): void {
		this.#socket?.disconnect();
		this.#socket = null;
	}
}
