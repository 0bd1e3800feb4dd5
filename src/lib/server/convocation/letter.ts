import type { JSONContent } from '@tiptap/core';
import { m } from '$lib/paraglide/messages.js';
import { formatRomeDate, formatRomeTime, MEETING_TIME_ZONE } from '$lib/meetings/rome-time.ts';

/** What a convocation letter says, gathered from the meeting, its table and the coordinator. */
export interface LetterFacts {
	organization: string;
	programme: string;
	table: { name: string; territory: string };
	meeting: { title: string; startsAt: Date; endsAt: Date; videoUrl: string | null };
	/** The meeting's page in Tavolo (agenda, documents, polls). */
	meetingUrl: string;
	/** The stakeholder categories of the recipients (the letter's "Ai Sindaci e Assessori…"). */
	recipientCategories: string[];
	/** The table's expected categories ("È importante che ai lavori dei tavoli partecipino"). */
	expectedCategories: string[];
	agenda: string[];
	coordinator: { name: string };
	/** The day the letter is dated. */
	today: Date;
}

export interface Letter {
	subject: string;
	body: string;
}

/**
 * The convocation in the shape of the letter this project started from
 * (shared/context/lettera-convocazione-tavoli.txt): date, recipients by category, subject,
 * purpose, when and where (the video link), who should attend, the agenda, greetings and the
 * signature. Plain text: paragraphs split by blank lines, "- " and "1. " lines are lists; the
 * coordinator edits it freely before sending.
 */
export function composeLetter(facts: LetterFacts): Letter {
	const { meeting, table } = facts;
	const date = formatRomeDate(meeting.startsAt);
	const subject = m.convocation_subject({ programme: facts.programme, table: table.name, title: meeting.title, date });
	const recipients = facts.recipientCategories.length > 0 ? facts.recipientCategories : [m.convocation_recipients_all()];
	const when = { date, start: formatRomeTime(meeting.startsAt), end: formatRomeTime(meeting.endsAt) };
	const paragraphs = [
		formatLetterDate(facts.today),
		[
			m.convocation_recipients_intro({ table: table.name }),
			...recipients.map((r) => `- ${r}`),
			...(table.territory ? [m.convocation_recipients_territory({ territory: table.territory })] : [])
		].join('\n'),
		m.convocation_subject_line({ subject }),
		m.convocation_purpose({ programme: facts.programme, organization: facts.organization, table: table.name, title: meeting.title }),
		meeting.videoUrl ? m.convocation_when_video({ ...when, url: meeting.videoUrl }) : m.convocation_when_no_video(when),
		m.convocation_platform({ url: facts.meetingUrl }),
		m.convocation_share(),
		...(facts.expectedCategories.length > 0
			? [[m.convocation_expected_intro(), ...facts.expectedCategories.map((c) => `- ${c}`)].join('\n')]
			: []),
		facts.agenda.length > 0
			? [m.convocation_agenda_intro(), ...facts.agenda.map((item, i) => `${i + 1}. ${item}`)].join('\n')
			: m.convocation_agenda_empty(),
		m.convocation_closing(),
		[facts.coordinator.name, facts.organization, facts.programme].filter(Boolean).join('\n')
	];
	return { subject, body: paragraphs.join('\n\n') };
}

function formatLetterDate(instant: Date): string {
	return new Intl.DateTimeFormat('it-IT', { timeZone: MEETING_TIME_ZONE, day: 'numeric', month: 'long', year: 'numeric' }).format(instant);
}

const listLine: readonly [RegExp, 'bulletList' | 'orderedList'][] = [
	[/^\s*[-•]\s+(.*)$/, 'bulletList'],
	[/^\s*\d+[.)]\s+(.*)$/, 'orderedList']
];

type Run = { kind: 'paragraph' | 'bulletList' | 'orderedList'; lines: string[] };

/** A block's lines, grouped into runs of plain lines and of list items of one kind. */
function runsOf(block: string): Run[] {
	const runs: Run[] = [];
	for (const line of block.split('\n')) {
		const found = listLine.map(([pattern, kind]) => ({ match: pattern.exec(line), kind })).find((f) => f.match);
		const kind = found?.kind ?? 'paragraph';
		const value = found?.match ? found.match[1] : line.trimEnd();
		const last = runs.at(-1);
		if (last && last.kind === kind) last.lines.push(value);
		else runs.push({ kind, lines: [value] });
	}
	return runs;
}

/**
 * The letter's text as the editor's ProseMirror JSON, for the DOCX and PDF builders the document
 * exports use: blank lines split paragraphs, list lines become lists, other line breaks stay.
 */
export function letterJson(body: string): JSONContent {
	const text = (value: string): JSONContent[] => (value ? [{ type: 'text', text: value }] : []);
	const blocks = body.replace(/\r\n?/g, '\n').split(/\n\s*\n/);
	const content = blocks.flatMap(runsOf).map((run): JSONContent =>
		run.kind === 'paragraph'
			? { type: 'paragraph', content: run.lines.flatMap((line, i) => [...(i > 0 ? [{ type: 'hardBreak' }] : []), ...text(line)]) }
			: {
					type: run.kind,
					content: run.lines.map((item) => ({ type: 'listItem', content: [{ type: 'paragraph', content: text(item) }] }))
				}
	);
	return { type: 'doc', content };
}
