import { describe, expect, it } from 'vitest';
import { tallyPoll } from '../../polls/tally.ts';
import { nextMeetingTitle, rankOptions } from './next-meeting.ts';

describe('nextMeetingTitle', () => {
	it('names the day in Rome with the article Italian gives it', () => {
		expect(nextMeetingTitle(new Date('2027-02-14T14:00:00Z'))).toBe('Incontro del 14 febbraio 2027');
		expect(nextMeetingTitle(new Date('2027-02-11T14:00:00Z'))).toBe("Incontro dell'11 febbraio 2027");
		expect(nextMeetingTitle(new Date('2027-03-08T09:00:00Z'))).toBe("Incontro dell'8 marzo 2027");
		expect(nextMeetingTitle(new Date('2027-03-01T09:00:00Z'))).toBe('Incontro del 1º marzo 2027');
		// 23:30 UTC on 31 March is already 1 April in Rome.
		expect(nextMeetingTitle(new Date('2027-03-31T23:30:00Z'))).toBe('Incontro del 1º aprile 2027');
	});
});

describe('rankOptions', () => {
	const options = ['a', 'b', 'c', 'd'].map((id) => ({ id, label: id.toUpperCase() }));
	const ids = options.map((o) => o.id);

	it('orders a ranked poll by Borda points, then first preferences, and drops options with none', () => {
		// Borda (3, 2, 1, 0): b 3+2 = 5, c 2+3 = 5, a 1+1 = 2, d 0; b and c tie on points and firsts: poll order.
		const results = tallyPoll('ranked', options, [
			{ kind: 'ranked', options: ['b', 'c', 'a', 'd'] },
			{ kind: 'ranked', options: ['c', 'b', 'a'] }
		]);
		expect(rankOptions(results, ids)).toEqual(['b', 'c', 'a']);
		const firsts = tallyPoll('ranked', options, [
			{ kind: 'ranked', options: ['c', 'a'] },
			{ kind: 'ranked', options: ['b', 'c'] },
			{ kind: 'ranked', options: ['c'] }
		]);
		// c: 3+2+3 = 8; b: 3; a: 2.
		expect(rankOptions(firsts, ids)).toEqual(['c', 'b', 'a']);
	});

	it('orders the other kinds by what they count', () => {
		const results = tallyPoll('multiple', options, [
			{ kind: 'multiple', options: ['d', 'a'] },
			{ kind: 'multiple', options: ['d'] }
		]);
		expect(rankOptions(results, ids)).toEqual(['d', 'a']);
	});
});
