import { m } from '$lib/paraglide/messages.js';
import { formatRomeDateTime } from '$lib/meetings/rome-time.ts';
import type { MajorityRule, PollKind, PollStatus, ResultsVisibility } from '$lib/domain/polls.ts';
import type { Availability } from './tally.ts';

export function pollKindLabel(kind: PollKind): string {
	switch (kind) {
		case 'single':
			return m.poll_kind_single();
		case 'multiple':
			return m.poll_kind_multiple();
		case 'ranked':
			return m.poll_kind_ranked();
		case 'dots':
			return m.poll_kind_dots();
		case 'yesno':
			return m.poll_kind_yesno();
		case 'scheduling':
			return m.poll_kind_scheduling();
	}
}

export function pollStatusLabel(status: PollStatus): string {
	switch (status) {
		case 'draft':
			return m.poll_status_draft();
		case 'open':
			return m.poll_status_open();
		case 'closed':
			return m.poll_status_closed();
	}
}

export function visibilityLabel(visibility: ResultsVisibility): string {
	switch (visibility) {
		case 'live':
			return m.poll_visibility_live();
		case 'after_close':
			return m.poll_visibility_after_close();
		case 'hidden':
			return m.poll_visibility_hidden();
	}
}

export function majorityLabel(rule: MajorityRule): string {
	switch (rule) {
		case 'simple':
			return m.poll_majority_simple();
		case 'absolute':
			return m.poll_majority_absolute();
		case 'two_thirds':
			return m.poll_majority_two_thirds();
	}
}

export function availabilityLabel(answer: Availability): string {
	switch (answer) {
		case 'yes':
			return m.poll_availability_yes();
		case 'maybe':
			return m.poll_availability_maybe();
		case 'no':
			return m.poll_availability_no();
	}
}

/**
 * An option as people read it: scheduling options are instants (ISO), shown in Rome's time;
 * the fixed yes/no options are named in the reader's language.
 */
export function optionText(kind: PollKind, option: { id: string; label: string }): string {
	if (kind === 'scheduling') {
		const instant = new Date(option.label);
		return Number.isNaN(instant.getTime()) ? option.label : formatRomeDateTime(instant);
	}
	if (kind === 'yesno') {
		if (option.id === 'yes') return m.poll_yes();
		if (option.id === 'no') return m.poll_no();
		if (option.id === 'abstain') return m.poll_abstain();
	}
	return option.label;
}
