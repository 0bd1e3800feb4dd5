import type { PollView } from '$lib/realtime/protocol.ts';
import { availabilities, type Availability } from './tally.ts';
import { availabilityLabel, optionText } from './labels.ts';

/**
 * A member's choice (as sent with `poll:vote`, by option id) in words, for "Hai votato: …":
 * the option; the options ticked; the ranking in order; the dots per option; the answer per date.
 */
export function choiceSummary(poll: PollView, choice: unknown): string {
	const name = (id: unknown) => {
		const option = poll.options.find((o) => o.id === id);
		return option ? optionText(poll.kind, option) : String(id);
	};
	switch (poll.kind) {
		case 'single':
		case 'yesno':
			return name(choice);
		case 'multiple':
			return Array.isArray(choice) ? choice.map(name).join(', ') : '';
		case 'ranked':
			return Array.isArray(choice) ? choice.map((id, i) => `${i + 1}. ${name(id)}`).join(', ') : '';
		case 'dots':
			return choice && typeof choice === 'object'
				? poll.options
						.filter((o) => Number((choice as Record<string, unknown>)[o.id] ?? 0) > 0)
						.map((o) => `${name(o.id)} ${(choice as Record<string, number>)[o.id]}`)
						.join(', ')
				: '';
		case 'scheduling': {
			if (!choice || typeof choice !== 'object') return '';
			const answers = choice as Record<string, unknown>;
			const known = (a: unknown): a is Availability => (availabilities as readonly unknown[]).includes(a);
			return poll.options
				.filter((o) => known(answers[o.id]))
				.map((o) => `${name(o.id)}: ${availabilityLabel(answers[o.id] as Availability).toLowerCase()}`)
				.join('; ');
		}
	}
}
