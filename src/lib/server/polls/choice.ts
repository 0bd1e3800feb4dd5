import type { Availability, Ballot } from '../../polls/tally.ts';
import type { PollKind } from '../../domain/polls.ts';
import { availabilities } from '../../polls/tally.ts';
import { AppError } from '../errors.ts';

export interface ChoiceRules {
	kind: PollKind;
	options: ReadonlyArray<{ id: string; label: string }>;
	maxChoices: number | null;
	dots: number | null;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
	typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/**
 * Turns a `choice` as a client sends it (shared/DESIGN.md §4: options named by id or exact label;
 * one for single/yesno, an array for multiple and ranked, `{option: dots}` for dots,
 * `{option: "yes"|"maybe"|"no"}` for scheduling) into a ballot of option ids, or refuses it:
 * `poll_invalid_choice` (wrong shape, duplicates, nothing chosen), `poll_unknown_option`,
 * `poll_too_many_choices` (over the maximum or the dots available).
 */
export function normalizeChoice(rules: ChoiceRules, choice: unknown): Ballot {
	const byId = new Map(rules.options.map((o) => [o.id, o.id]));
	const byLabel = new Map(rules.options.map((o) => [o.label, o.id]));
	const resolve = (ref: string): string => {
		const id = byId.get(ref) ?? byLabel.get(ref);
		if (id === undefined) throw new AppError('poll_unknown_option');
		return id;
	};
	const distinct = (ids: string[]) => {
		if (new Set(ids).size !== ids.length) throw new AppError('poll_invalid_choice');
		return ids;
	};
	const invalid = () => new AppError('poll_invalid_choice');

	switch (rules.kind) {
		case 'single':
		case 'yesno':
			if (typeof choice !== 'string') throw invalid();
			return { kind: rules.kind, option: resolve(choice) };
		case 'multiple':
		case 'ranked': {
			if (!Array.isArray(choice) || choice.length === 0 || !choice.every((c) => typeof c === 'string')) throw invalid();
			if (choice.length > rules.options.length) throw invalid();
			const ids = distinct((choice as string[]).map(resolve));
			if (rules.kind === 'multiple' && rules.maxChoices !== null && ids.length > rules.maxChoices) {
				throw new AppError('poll_too_many_choices');
			}
			return { kind: rules.kind, options: ids };
		}
		case 'dots': {
			if (!isPlainObject(choice)) throw invalid();
			const entries = Object.entries(choice);
			if (entries.length > rules.options.length) throw invalid();
			const dots: Record<string, number> = {};
			let total = 0;
			for (const [ref, n] of entries) {
				if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw invalid();
				const id = resolve(ref);
				if (id in dots) throw invalid();
				dots[id] = n;
				total += n;
			}
			if (total === 0) throw invalid();
			if (total > (rules.dots ?? 0)) throw new AppError('poll_too_many_choices');
			for (const id of Object.keys(dots)) if (dots[id] === 0) delete dots[id];
			return { kind: 'dots', dots };
		}
		case 'scheduling': {
			if (!isPlainObject(choice)) throw invalid();
			const entries = Object.entries(choice);
			if (entries.length === 0 || entries.length > rules.options.length) throw invalid();
			const answers: Record<string, Availability> = {};
			for (const [ref, answer] of entries) {
				if (!(availabilities as readonly unknown[]).includes(answer)) throw invalid();
				const id = resolve(ref);
				if (id in answers) throw invalid();
				answers[id] = answer as Availability;
			}
			return { kind: 'scheduling', answers };
		}
	}
}
