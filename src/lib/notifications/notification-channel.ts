import { leaseSocket, type SocketLease } from '../realtime/shared-socket.ts';

/**
 * The header's live unread count, on the tab's shared connection (the server puts every
 * connection in the user's own room), handing each `notifications:changed` to `onUnread`. After every (re)connection the count
 * is read again over HTTP, since what changed while it was away was not heard.
 */
export class NotificationChannel {
	#lease: SocketLease | null = null;

	constructor(private readonly onUnread: (unread: number) => void) {}

	connect(): void {
		const lease = leaseSocket();
		this.#lease = lease;
		lease.on('connect', () => void this.refresh());
		lease.on('notifications:changed', ({ unread }) => this.onUnread(unread));
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
		this.#lease?.release();
		this.#lease = null;
	}
}
