import { PresenceTracker } from '../../src/lib/live/presence-list.ts';
import type { Participant, PresenceSnapshot } from '../../src/lib/realtime/protocol.ts';
import { send, type ClientSocket } from './socket-test-client.ts';

/** What a tab knows of a room's presence, kept as the browser keeps it (src/lib/live/presence-list.ts). */
export interface PresenceWatch {
	readonly present: Participant[];
	readonly eligiblePresent: number;
	readonly version: number;
	/** Every list the watch held, oldest first (one per applied change). */
	readonly history: Array<{ present: Participant[]; eligiblePresent: number; version: number }>;
	/** Versions of every delta received, in arrival order. */
	readonly versions: number[];
	/** How many times the full list was asked again (a gap that did not fill). */
	readonly resyncs: number;
	/** A full list (a join's answer): kept unless older than what the watch has. */
	reset(snapshot: PresenceSnapshot): void;
	stop(): void;
}

/**
 * Follows a joined socket's presence deltas, as the room does: applied in version order, an early
 * one held, and a gap that stays open `gapMs` answered with `presence:sync`. Without a `baseline`
 * (the join's answer) it asks the full list once at the start; with 'later', the caller hands it
 * the join's answer (`reset`) when it comes, and deltas are held until then.
 */
export function watchPresence(
	socket: ClientSocket,
	meetingId: string,
	baseline?: PresenceSnapshot | 'later',
	gapMs = 2_000
): PresenceWatch {
	const tracker = new PresenceTracker();
	const history: PresenceWatch['history'] = [];
	const versions: number[] = [];
	let resyncs = 0;
	let gap: ReturnType<typeof setTimeout> | undefined;
	const record = () => history.push({ present: tracker.present, eligiblePresent: tracker.eligiblePresent, version: tracker.version });
	const sync = async () => {
		const answer = await send(socket, 'presence:sync', { meetingId });
		if (answer.ok) watch.reset(answer as unknown as PresenceSnapshot);
	};
	const check = () => {
		if (!tracker.waiting) {
			clearTimeout(gap);
			gap = undefined;
		} else
			gap ??= setTimeout(() => {
				gap = undefined;
				resyncs++;
				void sync().then(check, () => undefined);
			}, gapMs);
	};
	const onDelta = (kind: 'joined' | 'left' | 'changed') => (delta: { meetingId: string; version: number }) => {
		if (delta.meetingId !== meetingId) return;
		versions.push(delta.version);
		if (tracker.apply({ kind, ...delta } as Parameters<PresenceTracker['apply']>[0]) === 'applied') record();
		check();
	};
	const listeners = { 'presence:joined': onDelta('joined'), 'presence:left': onDelta('left'), 'presence:changed': onDelta('changed') };
	for (const [event, listener] of Object.entries(listeners)) socket.on(event as 'presence:joined', listener);
	const watch: PresenceWatch = {
		get present() {
			return tracker.present;
		},
		get eligiblePresent() {
			return tracker.eligiblePresent;
		},
		get version() {
			return tracker.version;
		},
		history,
		versions,
		get resyncs() {
			return resyncs;
		},
		reset(snapshot) {
			if (tracker.reset(snapshot)) record();
			check();
		},
		stop() {
			clearTimeout(gap);
			for (const [event, listener] of Object.entries(listeners)) socket.off(event as 'presence:joined', listener);
		}
	};
	if (baseline === undefined) void sync().catch(() => undefined);
	else if (baseline !== 'later') watch.reset(baseline);
	return watch;
}
