import type { JSONContent } from '@tiptap/core';
import { m } from '$lib/paraglide/messages.js';
import { formatMeetingTime, formatRomeDate, formatRomeTime } from '$lib/meetings/rome-time.ts';
import { countingMethodLabel, majorityLabel, optionText } from '$lib/polls/labels.ts';
import { categoryLabel } from '$lib/tables/labels.ts';
import { pollStanding, type PollResults } from '$lib/polls/tally.ts';
import type { AgendaItem } from '$lib/agenda/agenda-doc.ts';
import type { Category } from '../programmes/service.ts';
import type { AttendanceMode } from '$lib/domain/meetings.ts';
import { attendanceModeLabel } from '$lib/meetings/labels.ts';
import type { PresentPerson } from '../live/presence-during.ts';
import { dayInstant, type CommitmentStatus } from '$lib/domain/commitments.ts';
import { commitmentStatusLabel } from '$lib/commitments/labels.ts';
import type { AmendmentStatus } from '$lib/domain/amendments.ts';
import { amendmentStatusLabel } from '$lib/amendments/labels.ts';
import { formatSize } from '$lib/library/file-size.ts';
import { getLocale } from '$lib/paraglide/runtime.js';

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
		stays: Array<{ joinedAt: Date; leftAt: Date | null; mode: AttendanceMode }>;
	}>;
	agenda: AgendaItem[];
	/** Entries of the agenda that were not valid items, left out (an agenda saved before the server checked it). */
	agendaInvalid: number;
	/** By agenda item id: who was present while it was in focus; items never in focus are absent. */
	agendaPresence?: Record<string, PresentPerson[]>;
	/** The library files bound to the meeting (issue 15), each maybe to an agenda item. */
	attachments?: Array<{ id: string; title: string; filename: string; size: number; agendaItemId: string | null }>;
	polls: Array<{
		/** The poll's id: the minutes link the CSV of its results. */
		id?: string;
		question: string;
		results: PollResults;
		/** The moderator's choice in a tie (`pollStanding`), or null. */
		tieChoice: string | null;
		/** Members present while the poll was open, in Tavolo or checked in (observers and guests excluded: they cannot vote). */
		present: number;
		/** Everyone present while the poll was open, however they took part. */
		attendees: PresentPerson[];
		/** An approval poll: the text voted on (document, version, SHA-256). */
		approval?: { documentTitle: string; versionNumber: number; contentSha256: string };
	}>;
	/** Commitments recorded in this meeting, and those its agenda checked (issue 15). */
	commitments?: { recorded: MinutesCommitment[]; reviewed: MinutesCommitment[] };
	/** Amendments put to the vote in this meeting and their outcome (issue 15). */
	amendments?: MinutesAmendment[];
}

export interface MinutesAmendment {
	documentTitle: string;
	number: number;
	quote: string;
	/** Empty: the passage was to be deleted. */
	replacement: string;
	status: AmendmentStatus;
	proposerName: string;
	yes: number;
	no: number;
	abstain: number;
}

export interface MinutesCommitment {
	title: string;
	/** Who answers for it, in one line (commitments/service.ts `ownerLabel`). */
	owner: string;
	dueOn: string;
	status: CommitmentStatus;
	note: string;
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

function stayText(stay: { joinedAt: Date; leftAt: Date | null; mode: AttendanceMode }): string {
	const from = formatRomeTime(stay.joinedAt);
	const when = stay.leftAt ? m.minutes_stay({ from, to: formatRomeTime(stay.leftAt) }) : m.minutes_stay_open({ from });
	return m.minutes_stay_mode({ stay: when, mode: attendanceModeLabel(stay.mode) });
}

/** "Anna Rossi (in Tavolo); Marco Bianchi (in sala, in Tavolo)", or "nessuno". */
function presentText(people: PresentPerson[]): string {
	if (people.length === 0) return m.minutes_present_nobody();
	return people
		.map((person) => m.minutes_present_person({ name: person.name, modes: person.modes.map(attendanceModeLabel).join(', ') }))
		.join('; ');
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

function agendaBlocks(facts: MinutesFacts): JSONContent[] {
	const invalid = facts.agendaInvalid;
	const note = invalid > 0 ? [paragraph(text(m.minutes_agenda_invalid({ count: invalid }), ['italic']))] : [];
	if (facts.agenda.length === 0) return [paragraph(text(m.minutes_no_agenda(), ['italic'])), ...note];
	return [...agendaItemBlocks(facts.agenda, facts.agendaPresence ?? {}), ...note];
}

function itemPresenceBlock(present: PresentPerson[] | undefined): JSONContent {
	if (!present) return paragraph(text(m.minutes_item_not_in_focus(), ['italic']));
	return paragraph(...fact(m.minutes_present(), presentText(present)));
}

function agendaItemBlocks(agenda: MinutesFacts['agenda'], presence: NonNullable<MinutesFacts['agendaPresence']>): JSONContent[] {
	return agenda.flatMap((item, index) => {
		const notes = item.notes
			.split(/\n+/)
			.map((line) => line.trim())
			.filter(Boolean);
		return [
			heading(3, `${index + 1}. ${item.title || m.minutes_untitled_item()}`),
			...(item.presenter ? [paragraph(...fact(m.minutes_presenter(), item.presenter))] : []),
			itemPresenceBlock(presence[item.id]),
			...(notes.length > 0 ? notes.map((line) => paragraph(text(line))) : [paragraph(text(m.minutes_no_notes(), ['italic']))])
		];
	});
}

function outcomeText(results: PollResults): string | null {
	const outcome = results.outcome;
	if (!outcome) return null;
	if (!outcome.quorumMet) return m.minutes_outcome_no_quorum({ quorum: outcome.quorum ?? 0 });
	const rule = majorityLabel(outcome.rule);
	const decided = outcome.passed ? m.minutes_outcome_passed({ rule }) : m.minutes_outcome_rejected({ rule });
	return outcome.quorum === null ? decided : `${decided} — ${m.minutes_outcome_quorum_met({ quorum: outcome.quorum })}`;
}

/** Each option with what the method counts, in the poll's order (the room's table shows the same). */
function resultLine(results: PollResults): string {
	const name = (option: { id: string; label: string }) => optionText(results.kind, option);
	if (results.kind === 'ranked') return (results.borda ?? []).map((b) => `${name(b)} ${b.points}`).join(' · ') || '—';
	if (results.kind === 'scheduling') return (results.slots ?? []).map((s) => `${name(s)} ${s.yes}/${s.maybe}/${s.no}`).join(' · ') || '—';
	return results.results.map((option) => `${name(option)} ${option.count}`).join(' · ') || '—';
}

/** Who prevails by the method, a tie and the moderator's choice, or a motion's outcome. */
function standingText(results: PollResults, tieChoice: string | null): string | null {
	if (results.outcome) return outcomeText(results);
	const standing = pollStanding(results, tieChoice);
	const name = (id: string) => {
		const option = standing.ranking.find((o) => o.id === id);
		return option ? optionText(results.kind, option) : id;
	};
	if (standing.tied) {
		const options = standing.leaders.map(name).join(', ');
		return standing.winner ? m.minutes_tie_chosen({ options, option: name(standing.winner) }) : m.minutes_tie_open({ options });
	}
	if (!standing.winner) return m.minutes_no_votes();
	return results.kind === 'scheduling'
		? m.minutes_best_slot({ option: name(standing.winner) })
		: m.minutes_ranked_winner({ option: name(standing.winner) });
}

/** The instant-runoff rounds of a ranked poll, shown beside Borda for comparison (as in the room). */
function runoffText(results: PollResults): string | null {
	const runoff = results.runoff;
	if (results.kind !== 'ranked' || !runoff || runoff.rounds.length === 0) return null;
	const name = (id: string) => {
		const option = results.results.find((o) => o.id === id);
		return option ? optionText(results.kind, option) : id;
	};
	const rounds = runoff.rounds.map((round, index) => {
		const counts = Object.entries(round.counts)
			.map(([id, n]) => `${name(id)} ${n}`)
			.join(', ');
		const out = round.eliminated.length > 0 ? ` ${m.minutes_runoff_eliminated({ options: round.eliminated.map(name).join(', ') })}` : '';
		return `${m.minutes_runoff_round({ round: index + 1 })}: ${counts}${out}`;
	});
	const end = runoff.winner
		? m.minutes_ranked_winner({ option: name(runoff.winner) })
		: m.minutes_tie_open({ options: runoff.tied.map(name).join(', ') });
	return `${rounds.join('; ')} — ${end}`;
}

/** A path on this server: it works from the minutes in Tavolo; printed exports keep its words only (export-links.ts). */
const csvLink = (pollId: string): JSONContent[] => [
	text(`${m.export_minutes_csv()}: `, ['bold']),
	{ type: 'text', text: m.export_minutes_csv_link(), marks: [{ type: 'link', attrs: { href: `/api/v1/polls/${pollId}/results.csv` } }] }
];

function pollBlocks(polls: MinutesFacts['polls']): JSONContent[] {
	if (polls.length === 0) return [paragraph(text(m.minutes_no_polls(), ['italic']))];
	return polls.flatMap((poll) => {
		const standing = standingText(poll.results, poll.tieChoice);
		const runoff = runoffText(poll.results);
		const firsts =
			poll.results.kind === 'ranked' ? poll.results.results.map((o) => `${optionText('ranked', o)} ${o.count}`).join(' · ') : null;
		return [
			heading(3, poll.question),
			bullets([
				...(poll.approval
					? [
							fact(
								m.appr_minutes_voted_text(),
								m.appr_minutes_voted_text_value({
									title: poll.approval.documentTitle,
									number: poll.approval.versionNumber,
									sha256: poll.approval.contentSha256
								})
							)
						]
					: []),
				fact(m.minutes_method(), countingMethodLabel(pollStanding(poll.results).method)),
				fact(m.minutes_result(), resultLine(poll.results)),
				...(standing ? [fact(m.minutes_outcome(), standing)] : []),
				...(firsts ? [fact(m.minutes_first_preferences(), firsts)] : []),
				...(runoff ? [fact(m.minutes_runoff(), runoff)] : []),
				fact(m.minutes_turnout(), m.minutes_turnout_value({ voters: poll.results.voters, present: poll.present })),
				fact(m.minutes_present(), presentText(poll.attendees)),
				// The file with the question, the method and every count (GET /api/v1/polls/:id/results.csv).
				...(poll.id ? [csvLink(poll.id)] : [])
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

function commitmentItem(commitment: MinutesCommitment): JSONContent[] {
	const due = formatRomeDate(dayInstant(commitment.dueOn));
	const note = commitment.note ? ` — ${commitment.note}` : '';
	return [
		text(commitment.title, ['bold']),
		text(
			` — ${m.appr_minutes_commitment_line({ owner: commitment.owner, date: due, status: commitmentStatusLabel(commitment.status) })}${note}`
		)
	];
}

/** The meeting's files, each a link to download it (a path on this server, like the CSV links), with its agenda item. */
function attachmentBlocks(facts: MinutesFacts): JSONContent[] {
	const files = facts.attachments ?? [];
	if (files.length === 0) return [];
	return [
		heading(2, m.lib_minutes_section()),
		bullets(
			files.map((file) => {
				const number = file.agendaItemId ? facts.agenda.findIndex((item) => item.id === file.agendaItemId) + 1 : 0;
				const line = m.lib_minutes_line({ title: file.title, filename: file.filename, size: formatSize(file.size, getLocale()) });
				return [
					{ type: 'text', text: line, marks: [{ type: 'link', attrs: { href: `/api/v1/attachments/${file.id}` } }] },
					...(number > 0 ? [text(` — ${m.lib_minutes_item({ number })}`)] : [])
				];
			})
		)
	];
}

function commitmentBlocks(commitments: NonNullable<MinutesFacts['commitments']>): JSONContent[] {
	const { recorded, reviewed } = commitments;
	return [
		heading(3, m.appr_minutes_commitments_recorded()),
		recorded.length > 0 ? bullets(recorded.map(commitmentItem)) : paragraph(text(m.appr_minutes_no_commitments(), ['italic'])),
		heading(3, m.appr_minutes_commitments_reviewed()),
		reviewed.length > 0 ? bullets(reviewed.map(commitmentItem)) : paragraph(text(m.appr_minutes_no_commitments(), ['italic']))
	];
}

/** Each amendment voted in the meeting: what it changed, in which text, and what the table decided. */
function amendmentBlocks(amendments: MinutesAmendment[]): JSONContent[] {
	return [
		heading(2, m.amend_minutes_section()),
		bullets(
			amendments.map((amendment) => {
				const what = { title: amendment.documentTitle, number: amendment.number, quote: amendment.quote };
				return [
					text(
						amendment.replacement ? m.amend_minutes_replace({ ...what, replacement: amendment.replacement }) : m.amend_minutes_delete(what),
						['bold']
					),
					text(
						` — ${m.amend_minutes_outcome({
							status: amendmentStatusLabel(amendment.status),
							yes: amendment.yes,
							no: amendment.no,
							abstain: amendment.abstain,
							name: amendment.proposerName
						})}`
					)
				];
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
			...agendaBlocks(facts),
			...attachmentBlocks(facts),
			heading(2, m.minutes_section_polls()),
			...pollBlocks(facts.polls),
			heading(2, m.minutes_section_decisions()),
			...decisionBlocks(facts.polls),
			// Only a meeting that voted on amendments has the section.
			...(facts.amendments && facts.amendments.length > 0 ? amendmentBlocks(facts.amendments) : []),
			// Only a meeting that made or reviewed commitments has the section.
			...(facts.commitments && facts.commitments.recorded.length + facts.commitments.reviewed.length > 0
				? [heading(2, m.appr_minutes_section_commitments()), ...commitmentBlocks(facts.commitments)]
				: [])
		]
	};
}

export function minutesTitle(meetingTitle: string): string {
	return m.minutes_document_title({ title: meetingTitle });
}
