import { describe, expect, it } from 'vitest';
import { mergePresence, type OpenCheckIn } from './presence.ts';

const member = (userId: string, name: string) => ({ userId, name, role: 'participant' as const, categoryId: null, representedBody: '' });
const checkIn = (id: string, person: Partial<OpenCheckIn>): OpenCheckIn => ({
	id,
	userId: null,
	name: 'Ospite',
	role: null,
	categoryId: null,
	representedBody: '',
	mode: 'room',
	...person
});

describe('mergePresence', () => {
	it('joins those in Tavolo and those checked in, one entry per member, sorted by name', () => {
		const present = mergePresence(
			[member('u-zeno', 'Zeno'), member('u-anna', 'Anna')],
			[
				checkIn('c-1', { userId: 'u-anna', name: 'Anna', role: 'participant', mode: 'room' }),
				checkIn('c-2', { userId: 'u-carla', name: 'Carla', role: 'moderator', mode: 'call' }),
				checkIn('c-3', { name: 'Luca', categoryId: 'cat-scuole', representedBody: 'IC Pianura', mode: 'room' })
			]
		);
		expect(present).toEqual([
			{
				userId: 'u-anna',
				name: 'Anna',
				role: 'participant',
				categoryId: null,
				representedBody: '',
				modes: ['app', 'room'],
				checkInId: 'c-1'
			},
			{ userId: 'u-carla', name: 'Carla', role: 'moderator', categoryId: null, representedBody: '', modes: ['call'], checkInId: 'c-2' },
			{
				userId: null,
				name: 'Luca',
				role: null,
				categoryId: 'cat-scuole',
				representedBody: 'IC Pianura',
				modes: ['room'],
				checkInId: 'c-3'
			},
			{ userId: 'u-zeno', name: 'Zeno', role: 'participant', categoryId: null, representedBody: '', modes: ['app'], checkInId: null }
		]);
	});
});
