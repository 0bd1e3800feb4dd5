import { describe, expect, it } from 'vitest';
import { tablePolicy } from '../server/authz/policy.ts';
import type { ConnectedMember, PresentCheckIn } from '../realtime/protocol.ts';
import { mergePresence, PresenceTracker, splitPresence, votingRoles } from './presence-list.ts';

const member = (userId: string, name: string, role: ConnectedMember['role'] = 'participant'): ConnectedMember => ({
	userId,
	name,
	role,
	categoryId: null,
	representedBody: ''
});
const anna = member('u-anna', 'Anna');
const bruno = member('u-bruno', 'Bruno', 'observer');
const carla = member('u-carla', 'Carla', 'moderator');
const guest: PresentCheckIn = { id: 'c-1', userId: null, name: 'Luca', role: null, categoryId: 'cat', representedBody: 'IC', mode: 'room' };
const annaInChamber: PresentCheckIn = { ...anna, id: 'c-2', mode: 'room' };

describe('presence lists', () => {
	it('counts as voters the roles the policy lets vote', () => {
		expect([...votingRoles].sort()).toEqual([...tablePolicy['poll.vote']].sort());
	});

	it('splits a merged list back into its members and check-ins', () => {
		const merged = mergePresence([anna, bruno], [guest, annaInChamber]);
		const { members, checkIns } = splitPresence(merged);
		expect(mergePresence(members, checkIns)).toEqual(merged);
	});
});

describe('PresenceTracker', () => {
	const start = () => {
		const tracker = new PresenceTracker();
		tracker.reset({ present: mergePresence([anna, bruno], [guest]), eligiblePresent: 1, version: 10 });
		return tracker;
	};

	it('holds deltas until the full list comes, then applies those after it', () => {
		const tracker = new PresenceTracker();
		expect(tracker.apply({ kind: 'joined', meetingId: 'm', version: 11, member: carla })).toBe('held');
		expect(tracker.apply({ kind: 'left', meetingId: 'm', version: 10, userId: 'u-anna' })).toBe('held');
		expect(tracker.waiting).toBe(true);
		tracker.reset({ present: mergePresence([anna], []), eligiblePresent: 1, version: 10 });
		expect(tracker.waiting).toBe(false);
		expect(tracker.present.map((p) => p.name)).toEqual(['Anna', 'Carla']);
		expect(tracker.eligiblePresent).toBe(2);
		expect(tracker.version).toBe(11);
	});

	it('applies deltas in version order, ignores old ones and older lists', () => {
		const tracker = start();
		expect(tracker.apply({ kind: 'left', meetingId: 'm', version: 12, userId: 'u-bruno' })).toBe('held');
		expect(tracker.present.map((p) => p.name)).toEqual(['Anna', 'Bruno', 'Luca']);
		expect(tracker.apply({ kind: 'joined', meetingId: 'm', version: 11, member: carla })).toBe('applied');
		expect(tracker.present.map((p) => p.name)).toEqual(['Anna', 'Carla', 'Luca']);
		expect(tracker.apply({ kind: 'left', meetingId: 'm', version: 11, userId: 'u-carla' })).toBe('stale');
		expect(tracker.reset({ present: [], eligiblePresent: 0, version: 11 })).toBe(false);
		expect(tracker.present.map((p) => p.name)).toEqual(['Anna', 'Carla', 'Luca']);
		// A check-in change replaces the check-ins; Anna, in Tavolo and in the chamber, is one entry with two modes.
		expect(tracker.apply({ kind: 'changed', meetingId: 'm', version: 13, checkIns: [annaInChamber] })).toBe('applied');
		expect(tracker.present).toMatchObject([
			{ name: 'Anna', modes: ['app', 'room'], checkInId: 'c-2' },
			{ name: 'Carla', modes: ['app'] }
		]);
		// Her last tab closes: she stays, present in the chamber.
		expect(tracker.apply({ kind: 'left', meetingId: 'm', version: 14, userId: 'u-anna' })).toBe('applied');
		expect(tracker.present).toMatchObject([
			{ name: 'Anna', modes: ['room'] },
			{ name: 'Carla', modes: ['app'] }
		]);
		expect(tracker.eligiblePresent).toBe(2);
	});
});
