import type { Ballot } from './tally.ts';

/** A stored ballot as the `choice` a member sends (`poll:vote`), by option id. */
export function choiceOf(ballot: Ballot): unknown {
	switch (ballot.kind) {
		case 'single':
		case 'yesno':
			return ballot.option;
		case 'multiple':
		case 'ranked':
			return ballot.options;
		case 'dots':
			return ballot.dots;
		case 'scheduling':
			return ballot.answers;
	}
}
