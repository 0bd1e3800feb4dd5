import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.ts';
import { normalizeChoice, type ChoiceRules } from './choice.ts';

const options = [
	{ id: 'k1', label: 'Trasporti' },
	{ id: 'k2', label: 'Scuola' },
	{ id: 'k3', label: 'Casa' }
];
const rules = (kind: ChoiceRules['kind'], extra: Partial<ChoiceRules> = {}): ChoiceRules => ({
	kind,
	options,
	maxChoices: null,
	dots: null,
	...extra
});
const codeOf = (run: () => unknown) => {
	try {
		run();
		return 'ok';
	} catch (error) {
		if (isAppError(error)) return error.code;
		throw error;
	}
};

describe('normalizeChoice', () => {
	it('names an option by id or by exact label, to the same ballot', () => {
		fc.assert(
			fc.property(
				fc.shuffledSubarray(options, { minLength: 1 }),
				fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
				(chosen, byLabel) => {
					const refs = chosen.map((o, i) => (byLabel[i] ? o.label : o.id));
					expect(normalizeChoice(rules('ranked'), refs)).toEqual({ kind: 'ranked', options: chosen.map((o) => o.id) });
				}
			)
		);
		expect(normalizeChoice(rules('single'), 'Casa')).toEqual({ kind: 'single', option: 'k3' });
		expect(codeOf(() => normalizeChoice(rules('single'), 'casa'))).toBe('poll_unknown_option');
	});

	it('refuses the wrong shape for each kind', () => {
		const wrong: Array<[ChoiceRules['kind'], unknown]> = [
			['single', ['k1']],
			['single', 3],
			['multiple', 'k1'],
			['multiple', []],
			['ranked', ['k1', 'Trasporti']],
			['dots', ['k1']],
			['dots', { k1: 1.5 }],
			['dots', { k1: 0 }],
			['scheduling', { k1: 'forse' }],
			['scheduling', {}],
			['yesno', null]
		];
		for (const [kind, choice] of wrong) expect(codeOf(() => normalizeChoice(rules(kind, { dots: 5 }), choice))).toBe('poll_invalid_choice');
	});

	it('refuses more than the maximum of choices or dots', () => {
		expect(codeOf(() => normalizeChoice(rules('multiple', { maxChoices: 2 }), ['k1', 'k2', 'k3']))).toBe('poll_too_many_choices');
		expect(codeOf(() => normalizeChoice(rules('dots', { dots: 4 }), { k1: 3, Scuola: 2 }))).toBe('poll_too_many_choices');
		expect(normalizeChoice(rules('dots', { dots: 4 }), { k1: 3, Scuola: 1, Casa: 0 })).toEqual({ kind: 'dots', dots: { k1: 3, k2: 1 } });
	});
});
