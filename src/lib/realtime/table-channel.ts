import type { ServerToClientEvents } from './protocol.ts';
import { leaseSocket, type SocketLease } from './shared-socket.ts';

/** What the table's open pages hear; `resync` once joined again after a drop, when events may have been missed. */
export type TableEvent =
	| { type: 'document:status'; payload: Parameters<ServerToClientEvents['document:status']>[0] }
	| { type: 'document:version'; payload: Parameters<ServerToClientEvents['document:version']>[0] }
	| { type: 'topic:changed'; payload: Parameters<ServerToClientEvents['topic:changed']>[0] }
	| { type: 'meeting:updated'; payload: Parameters<ServerToClientEvents['meeting:updated']>[0] }
	| { type: 'commitment:changed'; payload: Parameters<ServerToClientEvents['commitment:changed']>[0] }
	| { type: 'resync' };

/** How many channels of this tab follow each table: the shared connection leaves a table when none does. */
const following = new Map<string, number>();

/**
 * A page's subscription to its table's channel (`table:join`) on the tab's shared connection,
 * joined again after every reconnection, handing each event of this table to `onEvent`. Open it
 * once the page is mounted (`connect`), close it when it goes (`destroy`: it leaves the channel).
 */
export class TableChannel {
	#lease: SocketLease | null = null;

	constructor(
		readonly tableId: string,
		private readonly onEvent: (event: TableEvent) => void
	) {}

	connect(): void {
		const lease = leaseSocket();
		const { socket } = lease;
		this.#lease = lease;
		following.set(this.tableId, (following.get(this.tableId) ?? 0) + 1);
		let joinedBefore = false;
		lease.on('connect', () => {
			// What changed during a drop was not heard: joined again, the page reads its data again,
			// and from then on every change reaches it. Not after the first join: the page's data was
			// loaded a moment before, and reading it again then raced the editor's first seconds (a
			// reload whose request failed, the network gone, replaced the page with an error).
			socket.emit('table:join', { tableId: this.tableId }, (answer) => {
				if (!answer.ok) return;
				if (joinedBefore) this.onEvent({ type: 'resync' });
				joinedBefore = true;
			});
		});
		const mine = (tableId: string) => tableId === this.tableId;
		lease.on('document:status', (payload) => mine(payload.tableId) && this.onEvent({ type: 'document:status', payload }));
		lease.on('document:version', (payload) => mine(payload.tableId) && this.onEvent({ type: 'document:version', payload }));
		lease.on('topic:changed', (payload) => mine(payload.tableId) && this.onEvent({ type: 'topic:changed', payload }));
		lease.on('meeting:updated', (payload) => mine(payload.meeting.tableId) && this.onEvent({ type: 'meeting:updated', payload }));
		lease.on('commitment:changed', (payload) => mine(payload.tableId) && this.onEvent({ type: 'commitment:changed', payload }));
	}

	destroy(): void {
		const lease = this.#lease;
		this.#lease = null;
		if (!lease) return;
		const others = (following.get(this.tableId) ?? 1) - 1;
		if (others > 0) following.set(this.tableId, others);
		else {
			following.delete(this.tableId);
			if (lease.socket.connected) lease.socket.emit('table:leave', { tableId: this.tableId }, () => {});
		}
		lease.release();
	}
}

/**
 * Runs `reload` (a page's invalidateAll) at most once at a time; asked again meanwhile, once more
 * after: a burst of support clicks becomes two reloads, the last one current.
 */
export function coalescedReload(reload: () => Promise<void>): () => void {
	let running = false;
	let again = false;
	const run = async (): Promise<void> => {
		running = true;
		again = false;
		try {
			// Offline, the request would fail and SvelteKit would show an error page instead of this one.
			if (typeof navigator === 'undefined' || navigator.onLine) await reload();
		} finally {
			running = false;
			if (again) void run();
		}
	};
	return () => {
		if (running) again = true;
		else void run();
	};
}
