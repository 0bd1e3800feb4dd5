import { m } from '$lib/paraglide/messages.js';
import { formatRomeDateTime } from '$lib/meetings/rome-time.ts';
import type { MajorityRule, PollKind, PollStatus, ResultsVisibility } from '$lib/domain/polls.ts';
import type { Availability, CountingMethod } from './tally.ts';
import type { CsvWords } from './results-csv.ts';

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

/** How a poll is decided, as the minutes and the CSV of its results name it. */
export function countingMethodLabel(method: CountingMethod): string {
	switch (method) {
		case 'plurality':
			return m.minutes_method_plurality();
		case 'approval':
			return m.minutes_method_approval();
		case 'borda':
			return m.minutes_method_borda();
		case 'dots':
			return m.minutes_method_dots();
		case 'availability':
			return m.minutes_method_availability();
		case 'majority':
			return m.minutes_method_majority();
	}
}

/** The words of a CSV of results, in the reader's language (the room's button and the server's download). */
export function csvWords(kind: PollKind): CsvWords {
	return {
		question: m.export_csv_question(),
		method: m.export_csv_method(),
		option: kind === 'scheduling' ? m.poll_col_slot() : m.poll_col_option(),
		votes: m.poll_col_votes(),
		dots: m.poll_col_dots(),
		firstPreferences: m.poll_col_first(),
		bordaPoints: m.poll_col_borda(),
		yes: m.poll_availability_yes(),
		maybe: m.poll_availability_maybe(),
		no: m.poll_availability_no(),
		voters: m.poll_col_voters(),
		outcome: m.poll_col_outcome(),
		passed: m.poll_passed(),
		rejected: m.poll_rejected(),
		best: m.poll_col_best()
	};
}
