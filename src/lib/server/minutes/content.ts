import type { JSONContent } from '@tiptap/core';
import { m } from '$lib/paraglide/messages.js';
import { formatMeetingTime, formatRomeTime } from '$lib/meetings/rome-time.ts';
import { majorityLabel, optionText } from '$lib/polls/labels.ts';
import { categoryLabel } from '$lib/tables/labels.ts';
import type { PollResults } from '$lib/polls/tally.ts';
import type { AgendaItem } from '$lib/agenda/agenda-doc.ts';
import type { Category } from '../programmes/service.ts';

/** Everything the minutes say, gathered by service.ts when the meeting closes. */
export interface MinutesFacts {
	meeting: { title: string; startsAt: Date; endsAt: Date; videoUrl: string | null };
	table: { name: string; territory: string; programme: string; organization: string };
	categories: Category[];
	expectedCategoryIds: string[];
	attendees: Array<{
		name: string;
		categoryId: string | null;
		representedBody: string;
		stays: Array<{ joinedAt: Date; leftAt: Date | null }>;
	}>;
	agenda: AgendaItem[];
	polls: Array<{
		question: string;
		results: PollResults;
		/** Members in the room while the poll was open (observers excluded: they cannot vote). */
		present: number;
	}>;
}

const text = (value: string, marks?: string[]): JSONContent => ({
	type: 'text',
	text: value,
	...(marks ? { marks: marks.map((type) => ({ type })) } : {})
});
const paragraph = (...content: JSONContent[]): JSONContent => ({ type: 'paragraph', ...(content.length ? { content } : {}) });
const heading = (level: 2 | 3, value: string): JSONContent => ({ type: 'heading', attrs: { level }, content: [text(value)] });
const bullets = (items: JSONContent[][]): JSONContent => ({
	type: 'bulletList',
	content: items.map((content) => ({ type: 'listItem', content: [paragraph(...content)] }))
});
/** "Label: value" with the label in bold, the shape of every fact line in the minutes. */
const fact = (label: string, value: string): JSONContent[] => [text(`${label}: `, ['bold']), text(value)];

function stayText(stay: { joinedAt: Date; leftAt: Date | null }): string {
	const from = formatRomeTime(stay.joinedAt);
	return stay.leftAt ? m.minutes_stay({ from, to: formatRomeTime(stay.leftAt) }) : m.minutes_stay_open({ from });
}

function attendanceBlocks(facts: MinutesFacts): JSONContent[] {
	if (facts.attendees.length === 0) return [paragraph(text(m.minutes_no_attendance(), ['italic']))];
	const groups = [
		...facts.categories.map((category) => ({
			label: categoryLabel(category),
			people: facts.attendees.filter((a) => a.categoryId === category.id)
		})),
		{ label: m.minutes_no_category(), people: facts.attendees.filter((a) => !facts.categories.some((c) => c.id === a.categoryId)) }
	].filter((group) => group.people.length > 0);
	const blocks = groups.flatMap((group) => [
		heading(3, `${group.label} (${group.people.length})`),
		bullets(
			group.people.map((person) => [
				text(person.name, ['bold']),
				text(`${person.representedBody ? `, ${person.representedBody}` : ''} — ${person.stays.map(stayText).join('; ')}`)
			])
		)
	]);
	const missing = facts.categories.filter(
		(c) => facts.expectedCategoryIds.includes(c.id) && !facts.attendees.some((a) => a.categoryId === c.id)
	);
	if (missing.length > 0) blocks.push(paragraph(...fact(m.minutes_missing_categories(), missing.map(categoryLabel).join(', '))));
	return blocks;
}

function agendaBlocks(agenda: MinutesFacts['agenda']): JSONContent[] {
	if (agenda.length === 0) return [paragraph(text(m.minutes_no_agenda(), ['italic']))];
	return agenda.flatMap((item, index) => {
		const notes = item.notes
			.split(/\n+/)
			.map((line) => line.trim())
			.filter(Boolean);
		return [
			heading(3, `${index + 1}. ${item.title || m.minutes_untitled_item()}`),
			...(item.presenter ? [paragraph(...fact(m.minutes_presenter(), item.presenter))] : []),
			...(notes.length > 0 ? notes.map((line) => paragraph(text(line))) : [paragraph(text(m.minutes_no_notes(), ['italic']))])
		];
	});
}

function outcomeText(results: PollResults): string | null {
	const outcome = results.outcome;
	if (!outcome) return null;
	if (!outcome.quorumMet) return m.minutes_outcome_no_quorum({ quorum: outcome.quorum ?? 0 });
	const rule = majorityLabel(outcome.rule);
	return outcome.passed ? m.minutes_outcome_passed({ rule }) : m.minutes_outcome_rejected({ rule });
}

function resultLine(results: PollResults): string {
	const counts = results.results.map((option) => `${optionText(results.kind, option)} ${option.count}`).join(' · ');
	if (results.kind === 'ranked' && results.runoff?.winner) {
		const winner = results.results.find((o) => o.id === results.runoff?.winner);
		if (winner) return `${counts} — ${m.minutes_ranked_winner({ option: optionText(results.kind, winner) })}`;
	}
	if (results.kind === 'scheduling' && results.best) {
		const best = results.results.find((o) => o.id === results.best);
		if (best) return `${counts} — ${m.minutes_best_slot({ option: optionText(results.kind, best) })}`;
	}
	return counts || '—';
}

function pollBlocks(polls: MinutesFacts['polls']): JSONContent[] {
	if (polls.length === 0) return [paragraph(text(m.minutes_no_polls(), ['italic']))];
	return polls.flatMap((poll) => {
		const outcome = outcomeText(poll.results);
		return [
			heading(3, poll.question),
			bullets([
				fact(m.minutes_result(), resultLine(poll.results)),
				...(outcome ? [fact(m.minutes_outcome(), outcome)] : []),
				fact(m.minutes_turnout(), m.minutes_turnout_value({ voters: poll.results.voters, present: poll.present }))
			])
		];
	});
}

function decisionBlocks(polls: MinutesFacts['polls']): JSONContent[] {
	const passed = polls.filter((poll) => poll.results.outcome?.passed);
	if (passed.length === 0) return [paragraph(text(m.minutes_no_decisions(), ['italic']))];
	return [
		bullets(
			passed.map((poll) => {
				const o = poll.results.outcome!;
				return [text(poll.question, ['bold']), text(` — ${m.minutes_decision_votes({ yes: o.yes, no: o.no, abstain: o.abstain })}`)];
			})
		)
	];
}

/** The minutes draft as the editor's ProseMirror JSON (StarterKit nodes only). */
export function minutesContent(facts: MinutesFacts): JSONContent {
	const { meeting, table } = facts;
	return {
		type: 'doc',
		content: [
			paragraph(text([table.organization, table.programme].filter(Boolean).join(' · '))),
			heading(2, m.minutes_section_meeting()),
			bullets([
				fact(m.minutes_table(), table.territory ? `${table.name} (${table.territory})` : table.name),
				fact(m.minutes_date(), formatMeetingTime(meeting.startsAt, meeting.endsAt)),
				fact(m.minutes_place(), meeting.videoUrl ? m.minutes_place_video({ url: meeting.videoUrl }) : m.minutes_place_unknown())
			]),
			heading(2, m.minutes_section_attendance()),
			...attendanceBlocks(facts),
			heading(2, m.minutes_section_agenda()),
			...agendaBlocks(facts.agenda),
			heading(2, m.minutes_section_polls()),
			...pollBlocks(facts.polls),
			heading(2, m.minutes_section_decisions()),
			...decisionBlocks(facts.polls)
		]
	};
}

export function minutesTitle(meetingTitle: string): string {
	return m.minutes_document_title({ title: meetingTitle });
}
