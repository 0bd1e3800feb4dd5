import type { ConnectedMember, ServerToClientEvents } from '../../realtime/protocol.ts';

type EventArgs<E extends keyof ServerToClientEvents> = Parameters<ServerToClientEvents[E]>;

/**
 * How a service that changed live state tells the meeting room. Implemented over socket.io in
 * server/sockets/ and handed to the SvelteKit side through AppContext, so a change made over the
 * HTTP API is broadcast exactly like one made over a socket.
 */
export interface MeetingBroadcaster {
	/** To everyone in the meeting's room (members who joined it). */
	toMeeting<E extends keyof ServerToClientEvents>(meetingId: string, event: E, ...args: EventArgs<E>): void;
	/** To every member with one of the table's pages open (`table:join`). */
	toTable<E extends keyof ServerToClientEvents>(tableId: string, event: E, ...args: EventArgs<E>): void;
	/** To every connection of one user, whatever page it has open (their notifications). */
	toUser<E extends keyof ServerToClientEvents>(userId: string, event: E, ...args: EventArgs<E>): void;
	/** To the moderators and coordinators in the room: results not yet public. */
	toFacilitators<E extends keyof ServerToClientEvents>(meetingId: string, event: E, ...args: EventArgs<E>): void;
	/**
	 * Runs `task` soon, at most one at a time per key; asked again while one runs, it runs once
	 * more afterwards. A burst of 50 votes becomes a few result broadcasts, the last one exact.
	 */
	coalesce(key: string, task: () => Promise<void>): void;
	/**
	 * Who has the meeting's room open in Tavolo now, across nodes, at the meeting's presence
	 * version that holds them (check-ins: live/presence.ts).
	 */
	presence(meetingId: string): Promise<{ members: ConnectedMember[]; version: number }>;
	/** The meeting's next presence version, for a change of its check-ins (server/sockets/presence-ledger.ts). */
	nextPresenceVersion(meetingId: string): Promise<number>;
	/**
	 * The meeting just went live: every node records the arrival of the sockets already waiting
	 * in its room (attendance is recorded only while a meeting is live).
	 */
	meetingStarted(meetingId: string): void;
}

/**
 * Meeting rooms where nobody is connected: what a process without socket.io (a script, a service
 * test) hands to the live services. Nothing is broadcast and nobody is present; the coalesced
 * tasks, which only prepare broadcasts, are skipped.
 */
export const noMeetingRooms: MeetingBroadcaster = {
	toMeeting() {},
	toTable() {},
	toUser() {},
	toFacilitators() {},
	coalesce() {},
	presence: async () => ({ members: [], version: 0 }),
	nextPresenceVersion: async () => 0,
	meetingStarted() {}
};

/**
 * The per-key "run now, and once more if asked meanwhile" scheduler behind `coalesce`. Owned by
 * whoever creates it (the socket server), never module-level.
 */
export function createCoalescer(onError: (error: unknown, key: string) => void) {
	const running = new Map<string, { again: boolean; task: () => Promise<void> }>();
	let waiters: Array<() => void> = [];
	const run = (key: string) => {
		const entry = running.get(key)!;
		entry.again = false;
		entry.task().then(
			() => next(key),
			(error: unknown) => {
				onError(error, key);
				next(key);
			}
		);
	};
	const next = (key: string) => {
		const entry = running.get(key);
		if (entry?.again) run(key);
		else running.delete(key);
		if (running.size === 0) {
			for (const resolve of waiters) resolve();
			waiters = [];
		}
	};
	return {
		schedule(key: string, task: () => Promise<void>) {
			const entry = running.get(key);
			if (entry) {
				entry.again = true;
				entry.task = task;
				return;
			}
			running.set(key, { again: false, task });
			run(key);
		},
		/** Resolves once no task is running or due (shutdown). */
		idle(): Promise<void> {
			if (running.size === 0) return Promise.resolve();
			return new Promise((resolve) => waiters.push(resolve));
		}
	};
}
