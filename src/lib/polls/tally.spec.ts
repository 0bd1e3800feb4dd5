import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bestSlot, bordaScores, instantRunoff, pollStanding, tallyPoll, yesNoOutcome, type Ballot } from './tally.ts';

const optionIdsArb = fc.integer({ min: 1, max: 7 }).map((k) => Array.from({ length: k }, (_, i) => `o${i}`));

/** k options and n complete rankings (permutations) of them. */
const completeRankings = optionIdsArb.chain((ids) =>
	fc.tuple(fc.constant(ids), fc.array(fc.shuffledSubarray(ids, { minLength: ids.length, maxLength: ids.length }), { maxLength: 60 }))
);
/** k options and n partial rankings (each a prefix of some order, possibly empty). */
const partialRankings = optionIdsArb.chain((ids) => fc.tuple(fc.constant(ids), fc.array(fc.shuffledSubarray(ids), { maxLength: 60 })));

describe('Borda count', () => {
	it('hands out n·k(k−1)/2 points in total for n complete rankings of k options', () => {
		fc.assert(
			fc.property(completeRankings, ([ids, rankings]) => {
				const k = ids.length;
				const total = Object.values(bordaScores(ids, rankings)).reduce((a, b) => a + b, 0);
				expect(total).toBe((rankings.length * k * (k - 1)) / 2);
			})
		);
	});

	it('gives the first of every ranking the maximum when all agree', () => {
		const scores = bordaScores(
			['a', 'b', 'c'],
			[
				['a', 'b', 'c'],
				['a', 'c', 'b']
			]
		);
		expect(scores).toEqual({ a: 4, b: 1, c: 1 });
	});
});

describe('instant-runoff', () => {
	it('terminates with a majority winner or a tie, and never eliminates a round leader', () => {
		fc.assert(
			fc.property(partialRankings, ([ids, rankings]) => {
				const result = instantRunoff(ids, rankings);
				const last = result.rounds.at(-1)!;
				expect(result.rounds.length).toBeLessThanOrEqual(ids.length);
				if (result.winner !== null) {
					expect(result.tied).toEqual([]);
					expect(2 * last.counts[result.winner]).toBeGreaterThan(last.continuing);
				} else {
					expect(result.tied.length).toBeGreaterThan(0);
					const values = result.tied.map((id) => last.counts[id]);
					expect(new Set(values).size).toBe(1);
				}
				for (const round of result.rounds) {
					if (round.eliminated.length === 0) continue;
					const values = Object.values(round.counts);
					const fewest = Math.min(...values);
					for (const id of round.eliminated) expect(round.counts[id]).toBe(fewest);
					// Only those with fewest votes go, and never everyone.
					expect(round.eliminated.length).toBeLessThan(values.length);
				}
			})
		);
	});

	it('transfers votes of the eliminated option', () => {
		const result = instantRunoff(['a', 'b', 'c'], [['a'], ['a'], ['b'], ['b'], ['c', 'b']]);
		expect(result.rounds[0].eliminated).toEqual(['c']);
		expect(result.winner).toBe('b');
	});

	it('declares a tie when the last options are level', () => {
		expect(instantRunoff(['a', 'b'], [['a'], ['b']])).toMatchObject({ winner: null, tied: ['a', 'b'] });
		expect(instantRunoff(['a', 'b'], [])).toMatchObject({ winner: null, tied: ['a', 'b'] });
	});
});

describe('yes/no motions', () => {
	it('simple majority ignores abstentions; absolute counts them; two thirds is inclusive', () => {
		expect(yesNoOutcome({ yes: 3, no: 2, abstain: 10 }).passed).toBe(true);
		expect(yesNoOutcome({ yes: 3, no: 3, abstain: 0 }).passed).toBe(false);
		expect(yesNoOutcome({ yes: 3, no: 2, abstain: 10 }, { majority: 'absolute' }).passed).toBe(false);
		expect(yesNoOutcome({ yes: 6, no: 0, abstain: 6 }, { majority: 'absolute' }).passed).toBe(false);
		expect(yesNoOutcome({ yes: 7, no: 0, abstain: 6 }, { majority: 'absolute' }).passed).toBe(true);
		expect(yesNoOutcome({ yes: 2, no: 1, abstain: 0 }, { majority: 'two_thirds' }).passed).toBe(true);
		expect(yesNoOutcome({ yes: 3, no: 2, abstain: 0 }, { majority: 'two_thirds' }).passed).toBe(false);
		expect(yesNoOutcome({ yes: 0, no: 0, abstain: 0 }, { majority: 'two_thirds' }).passed).toBe(false);
	});

	it('needs the quorum exactly: one ballot short fails, the quorum itself is enough', () => {
		fc.assert(
			fc.property(
				fc.nat(30),
				fc.nat(30),
				fc.nat(30),
				fc.constantFrom('simple', 'absolute', 'two_thirds' as const),
				(yes, no, abstain, majority) => {
					const cast = yes + no + abstain;
					const atQuorum = yesNoOutcome({ yes, no, abstain }, { majority, quorum: cast });
					const unbounded = yesNoOutcome({ yes, no, abstain }, { majority });
					expect(atQuorum.quorumMet).toBe(true);
					expect(atQuorum.passed).toBe(unbounded.passed);
					const short = yesNoOutcome({ yes, no, abstain }, { majority, quorum: cast + 1 });
					expect(short).toMatchObject({ quorumMet: false, passed: false });
				}
			)
		);
	});

	it('a stricter rule never passes what a looser one rejects', () => {
		fc.assert(
			fc.property(fc.nat(50), fc.nat(50), fc.nat(50), (yes, no, abstain) => {
				const c = { yes, no, abstain };
				if (yesNoOutcome(c, { majority: 'two_thirds' }).passed) expect(yesNoOutcome(c, { majority: 'absolute' }).passed).toBe(true);
				if (yesNoOutcome(c, { majority: 'absolute' }).passed) expect(yesNoOutcome(c, { majority: 'simple' }).passed).toBe(true);
			})
		);
	});
});

describe('tallyPoll', () => {
	const options = [
		{ id: 'a', label: 'A' },
		{ id: 'b', label: 'B' },
		{ id: 'c', label: 'C' }
	];

	it('counts each ballot once per option and reports voters', () => {
		fc.assert(
			fc.property(fc.array(fc.subarray(['a', 'b', 'c']), { maxLength: 40 }), (choices) => {
				const ballots: Ballot[] = choices.map((c) => ({ kind: 'multiple', options: c }));
				const r = tallyPoll('multiple', options, ballots);
				expect(r.voters).toBe(choices.length);
				for (const row of r.results) expect(row.count).toBe(choices.filter((c) => c.includes(row.id)).length);
			})
		);
	});

	it('dots add up to the dots spent', () => {
		const r = tallyPoll('dots', options, [
			{ kind: 'dots', dots: { a: 2, b: 1 } },
			{ kind: 'dots', dots: { a: 3 } }
		]);
		expect(r.results.map((x) => x.count)).toEqual([5, 1, 0]);
	});

	it('scheduling prefers most yes, then most maybe, then the earliest slot', () => {
		expect(
			bestSlot([
				{ id: 's1', label: '1', yes: 2, maybe: 0, no: 1 },
				{ id: 's2', label: '2', yes: 2, maybe: 1, no: 0 },
				{ id: 's3', label: '3', yes: 2, maybe: 1, no: 0 }
			])
		).toBe('s2');
		expect(bestSlot([{ id: 's1', label: '1', yes: 0, maybe: 0, no: 3 }])).toBeNull();
		const r = tallyPoll('scheduling', options, [{ kind: 'scheduling', answers: { a: 'yes', b: 'maybe' } }]);
		expect(r.best).toBe('a');
		expect(r.slots?.[1]).toMatchObject({ maybe: 1 });
	});
});

describe('poll standing (the one method the room, the next agenda and the minutes use)', () => {
	const abc = [
		{ id: 'a', label: 'A' },
		{ id: 'b', label: 'B' },
		{ id: 'c', label: 'C' }
	];
	const ranked = (...orders: string[][]): Ballot[] => orders.map((options) => ({ kind: 'ranked', options }));

	it('ranks a ranked poll by Borda points, not by first preferences', () => {
		// First preferences: c 2, a 1, b 1. Borda (2/1/0 points): a 5, c 4, b 3.
		const results = tallyPoll('ranked', abc, ranked(['c', 'a', 'b'], ['c', 'a', 'b'], ['a', 'b', 'c'], ['b', 'a', 'c']));
		const standing = pollStanding(results);
		expect(standing.method).toBe('borda');
		expect(standing.ranking.map((e) => [e.id, e.score, e.secondary])).toEqual([
			['a', 5, 1],
			['c', 4, 2],
			['b', 3, 1]
		]);
		expect(standing).toMatchObject({ leaders: ['a'], tied: false, winner: 'a', chosen: false });
	});

	it('calls equal Borda points and first preferences a tie, decided only by a choice among the tied', () => {
		const results = tallyPoll('ranked', abc, ranked(['a', 'b', 'c'], ['b', 'a', 'c']));
		expect(pollStanding(results)).toMatchObject({ leaders: ['a', 'b'], tied: true, winner: null, chosen: false });
		expect(pollStanding(results, 'b')).toMatchObject({ tied: true, winner: 'b', chosen: true });
		expect(pollStanding(results, 'c')).toMatchObject({ tied: true, winner: null, chosen: false });
	});

	it('calls two dates with as many "yes" and "maybe" a tie, even though `best` names the earlier', () => {
		const answers = (a: 'yes' | 'maybe' | 'no', b: 'yes' | 'maybe' | 'no'): Ballot => ({ kind: 'scheduling', answers: { a, b } });
		const results = tallyPoll('scheduling', abc.slice(0, 2), [answers('yes', 'no'), answers('no', 'yes')]);
		expect(results.best).toBe('a');
		expect(pollStanding(results)).toMatchObject({ method: 'availability', leaders: ['a', 'b'], tied: true, winner: null });
		const maybe = tallyPoll('scheduling', abc.slice(0, 2), [answers('yes', 'maybe'), answers('no', 'yes')]);
		expect(pollStanding(maybe)).toMatchObject({ leaders: ['b'], tied: false, winner: 'b' });
	});

	it('has no leaders without votes, nor for a yes/no motion (its outcome decides)', () => {
		expect(pollStanding(tallyPoll('single', abc, []))).toMatchObject({ leaders: [], tied: false, winner: null });
		const motion = tallyPoll(
			'yesno',
			[
				{ id: 'yes', label: 'Favorevole' },
				{ id: 'no', label: 'Contrario' },
				{ id: 'abstain', label: 'Astenuto' }
			],
			[{ kind: 'yesno', option: 'yes' }]
		);
		expect(pollStanding(motion)).toMatchObject({ method: 'majority', leaders: [], tied: false });
	});

	it('always names a winner among the leaders, and a tie only among options level on both criteria', () => {
		fc.assert(
			fc.property(partialRankings, ([ids, rankings]) => {
				const options = ids.map((id) => ({ id, label: id }));
				const standing = pollStanding(tallyPoll('ranked', options, ranked(...rankings)));
				const byId = new Map(standing.ranking.map((e) => [e.id, e]));
				for (const id of standing.leaders) {
					expect(byId.get(id)!.score).toBe(standing.ranking[0].score);
					expect(byId.get(id)!.secondary).toBe(standing.ranking[0].secondary);
				}
				expect(standing.tied).toBe(standing.leaders.length > 1);
				if (standing.winner !== null) expect(standing.leaders).toContain(standing.winner);
			})
		);
	});
});
