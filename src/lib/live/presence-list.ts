import type { AttendanceMode } from '../domain/meetings.ts';
import type { TableRole } from '../domain/tables.ts';
import type { ConnectedMember, Participant, PresenceDelta, PresenceSnapshot, PresentCheckIn } from '../realtime/protocol.ts';

/**
 * Who is present in a live room, shared by the server (the full list of a join's answer) and the
 * browser (which keeps it up to date from `presence:joined|left|changed`). Presence has two
 * sources: members with the room open in Tavolo (`ConnectedMember`, one per person whatever their
 * tabs) and the moderator's open check-ins (`PresentCheckIn`, in the chamber or on the call); the
 * list everyone sees is their merge.
 */

const modeOrder: Record<AttendanceMode, number> = { app: 0, room: 1, call: 2 };

/**
 * The roles that carry the right to vote (`poll.vote` in server/authz/policy.ts, which the browser
 * cannot import; presence-list.spec.ts checks they agree).
 */
export const votingRoles: readonly TableRole[] = ['coordinator', 'moderator', 'participant'];

/**
 * Who is present: members with Tavolo open, and those checked in by a moderator. A member both
 * connected and checked in (a laptop open in the chamber) is one person with two modes; guests
 * are one entry each. Sorted by name, as the room lists them.
 */
export function mergePresence(connected: Iterable<ConnectedMember>, checkIns: Iterable<PresentCheckIn>): Participant[] {
	const members = new Map<string, Participant>();
	for (const member of connected) members.set(member.userId, { ...member, modes: ['app'], checkInId: null });
	const guests: Participant[] = [];
	for (const checkIn of checkIns) {
		const { id, mode, ...person } = checkIn;
		if (person.userId === null) {
			guests.push({ ...person, modes: [mode], checkInId: id });
			continue;
		}
		const known = members.get(person.userId);
		if (known) {
			known.modes = [...known.modes, mode].sort((a, b) => modeOrder[a] - modeOrder[b]);
			known.checkInId = id;
		} else members.set(person.userId, { ...person, modes: [mode], checkInId: id });
	}
	return [...members.values(), ...guests].sort((a, b) => a.name.localeCompare(b.name, 'it'));
}

/**
 * "Aventi diritto presenti": the members present now (in Tavolo or checked in; counted once) whose
 * role carries the right to vote. Observers, guests checked in by name and admins who are not
 * members of the table are not counted.
 */
export function countEligiblePresent(present: readonly Participant[]): number {
	return new Set(present.filter((p) => p.userId !== null && p.role !== null && votingRoles.includes(p.role)).map((p) => p.userId)).size;
}

/** The two sources back out of a merged list (a join's answer): the inverse of `mergePresence`. */
export function splitPresence(present: readonly Participant[]): { members: ConnectedMember[]; checkIns: PresentCheckIn[] } {
	const members: ConnectedMember[] = [];
	const checkIns: PresentCheckIn[] = [];
	for (const { modes, checkInId, ...person } of present) {
		if (person.userId !== null && modes.includes('app')) members.push({ ...person, userId: person.userId });
		const mode = modes.find((m) => m !== 'app');
		if (checkInId && mode) checkIns.push({ ...person, id: checkInId, mode });
	}
	return { members, checkIns };
}

/** What `PresenceTracker.apply` did with a delta. */
export type DeltaOutcome = 'applied' | 'stale' | 'held';

/**
 * The browser's copy of a room's presence. Every change carries the next number of the meeting's
 * presence version (one counter per meeting, shared by the nodes: server/sockets/presence-ledger.ts),
 * so deltas from two nodes that arrive out of order are held until the missing one comes; a
 * version the tracker already has is ignored. A gap that does not fill (a node died between
 * drawing a number and sending it) is the caller's to notice (`waiting`) and answer by asking the
 * full list again (`reset`).
 */
export class PresenceTracker {
	#members = new Map<string, ConnectedMember>();
	#checkIns: PresentCheckIn[] = [];
	#version = 0;
	#based = false;
	#held = new Map<number, PresenceDelta>();
	present: Participant[] = [];
	eligiblePresent = 0;

	/** The version the list holds; 0 before the first full list. */
	get version(): number {
		return this.#version;
	}

	/** Deltas are held because one before them is missing (or no full list came yet). */
	get waiting(): boolean {
		return this.#held.size > 0;
	}

	/** A full list (a join's answer, `presence:sync`); ignored when older than what the tracker has. */
	reset(snapshot: PresenceSnapshot): boolean {
		if (this.#based && snapshot.version < this.#version) return false;
		const { members, checkIns } = splitPresence(snapshot.present);
		this.#members = new Map(members.map((m) => [m.userId, m]));
		this.#checkIns = checkIns;
		this.#version = snapshot.version;
		this.#based = true;
		const held = this.#drain();
		this.#refresh();
		// The server's own count, unless deltas held meanwhile changed the list since.
		if (!held) this.eligiblePresent = snapshot.eligiblePresent;
		return true;
	}

	apply(delta: PresenceDelta): DeltaOutcome {
		if (this.#based && delta.version <= this.#version) return 'stale';
		if (!this.#based || delta.version !== this.#version + 1) {
			this.#held.set(delta.version, delta);
			return 'held';
		}
		this.#applyOne(delta);
		this.#drain();
		this.#refresh();
		return 'applied';
	}

	/** Applies the held deltas that now follow in order; whether there was any. */
	#drain(): boolean {
		for (const version of [...this.#held.keys()]) if (version <= this.#version) this.#held.delete(version);
		let applied = false;
		for (let next = this.#held.get(this.#version + 1); next; next = this.#held.get(this.#version + 1)) {
			this.#held.delete(next.version);
			this.#applyOne(next);
			applied = true;
		}
		return applied;
	}

	#applyOne(delta: PresenceDelta): void {
		this.#version = delta.version;
		if (delta.kind === 'joined' || delta.kind === 'changed') {
			if (delta.member) this.#members.set(delta.member.userId, delta.member);
			if (delta.kind === 'changed' && delta.checkIns) this.#checkIns = delta.checkIns;
		} else this.#members.delete(delta.userId);
	}

	#refresh(): void {
		this.present = mergePresence(this.#members.values(), this.#checkIns);
		this.eligiblePresent = countEligiblePresent(this.present);
	}
}
