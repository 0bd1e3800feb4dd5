import type { JSONContent } from '@tiptap/core';
import { m } from '$lib/paraglide/messages.js';
import { formatRomeDate, formatRomeTime, MEETING_TIME_ZONE } from '$lib/meetings/rome-time.ts';
import { namedAs } from './naming.ts';

/** What a convocation letter says, gathered from the meeting, its table and the coordinator. */
export interface LetterFacts {
	/** The body that convenes, as an admin set it (src/lib/server/organization/service.ts). */
	organization: { name: string; place: string; signatoryName: string; signatoryTitle: string };
	programme: string;
	table: { name: string; territory: string };
	meeting: { title: string; startsAt: Date; endsAt: Date; videoUrl: string | null };
	/** The meeting's page in Tavolo (agenda, documents, polls). */
	meetingUrl: string;
	/** The stakeholder categories of the recipients (the letter's "Ai Sindaci e Assessori…"). */
	recipientCategories: string[];
	/** Whether people outside the table are convened too (external.ts): the list then names them all. */
	hasExternalRecipients?: boolean;
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
 * (shared/context/lettera-convocazione-tavoli.txt): place and date, recipients by category,
 * subject, purpose, when and where (the video link), who should attend, the agenda, greetings and
 * the signatory's block. Plain text: paragraphs split by blank lines, "- " and "1. " lines are
 * lists; the coordinator edits it freely before sending. Names the coordinator typed go through
 * `namedAs`, so a table called "Tavolo pistoiese" never reads "tavolo territoriale Tavolo pistoiese".
 */
export function composeLetter(facts: LetterFacts): Letter {
	const { meeting, table, organization } = facts;
	const date = formatRomeDate(meeting.startsAt);
	const subject = m.convocation_subject({ programme: facts.programme, table: table.name, title: meeting.title, date });
	const recipients = facts.recipientCategories.length > 0 ? facts.recipientCategories : [m.convocation_recipients_all()];
	const when = { date, start: formatRomeTime(meeting.startsAt), end: formatRomeTime(meeting.endsAt) };
	const dated = formatLetterDate(facts.today);
	const paragraphs = [
		organization.place ? m.org_letter_place_date({ place: organization.place, date: dated }) : dated,
		[
			facts.hasExternalRecipients
				? m.orgx_letter_recipients_intro_external({ table: namedAs('table', m.org_noun_table(), table.name) })
				: m.org_letter_recipients_intro({ table: namedAs('table', m.org_noun_table(), table.name) }),
			...recipients.map((r) => `- ${r}`),
			...(table.territory ? [m.convocation_recipients_territory({ territory: table.territory })] : [])
		].join('\n'),
		m.convocation_subject_line({ subject }),
		m.org_letter_purpose({
			programme: namedAs('programme', m.org_noun_programme(), facts.programme),
			organization: organization.name,
			table: namedAs('table', m.org_noun_territorial_table(), table.name),
			title: meeting.title
		}),
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
		signature(facts)
	];
	return { subject, body: paragraphs.join('\n\n') };
}

/**
 * The signatory's title, the organisation (unless the title already names it) and name, like "Il
 * Direttore / Società della Salute Pistoiese / Daniele Mannelli"; without a signatory set, the
 * coordinator signs for the organisation.
 */
function signature({ organization, coordinator }: LetterFacts): string {
	if (!organization.signatoryName) return [coordinator.name, organization.name].filter(Boolean).join('\n');
	const titleNamesOrganization = organization.signatoryTitle.toLowerCase().includes(organization.name.toLowerCase());
	return [organization.signatoryTitle, titleNamesOrganization ? '' : organization.name, organization.signatoryName]
		.filter(Boolean)
		.join('\n');
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

// A web address in the letter's text, without the punctuation that ends its sentence.
const webAddress = /https?:\/\/[^\s<>"«»]+?(?=[.,;:!?)\]]*(?:\s|$))/g;

/** A line of the letter as text nodes, its web addresses made links (clickable in DOCX and PDF). */
function linkedText(value: string): JSONContent[] {
	const nodes: JSONContent[] = [];
	let from = 0;
	for (const match of value.matchAll(webAddress)) {
		if (match.index > from) nodes.push({ type: 'text', text: value.slice(from, match.index) });
		nodes.push({ type: 'text', text: match[0], marks: [{ type: 'link', attrs: { href: match[0] } }] });
		from = match.index + match[0].length;
	}
	if (from < value.length) nodes.push({ type: 'text', text: value.slice(from) });
	return nodes;
}

/**
 * The letter's text as the editor's ProseMirror JSON, for the DOCX and PDF builders the document
 * exports use: blank lines split paragraphs, list lines become lists, other line breaks stay.
 */
export function letterJson(body: string): JSONContent {
	const blocks = body.replace(/\r\n?/g, '\n').split(/\n\s*\n/);
	const content = blocks.flatMap(runsOf).map((run): JSONContent =>
		run.kind === 'paragraph'
			? { type: 'paragraph', content: run.lines.flatMap((line, i) => [...(i > 0 ? [{ type: 'hardBreak' }] : []), ...linkedText(line)]) }
			: {
					type: run.kind,
					content: run.lines.map((item) => ({ type: 'listItem', content: [{ type: 'paragraph', content: linkedText(item) }] }))
				}
	);
	return { type: 'doc', content };
}
