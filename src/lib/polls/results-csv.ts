import type { PollKind } from '$lib/domain/polls.ts';
import { pollStanding, type CountingMethod, type PollResults } from './tally.ts';

/** The column titles and the few words a CSV of results needs, in the reader's language. */
export interface CsvWords {
	question: string;
	method: string;
	option: string;
	votes: string;
	dots: string;
	firstPreferences: string;
	bordaPoints: string;
	yes: string;
	maybe: string;
	no: string;
	voters: string;
	outcome: string;
	passed: string;
	rejected: string;
	best: string;
}

/**
 * Semicolons, not commas: spreadsheets set to Italian read commas as decimal separators and
 * expect `;` between fields. Fields are quoted when they hold a separator, a quote or a newline
 * (RFC 4180 §2.6–2.7), and a leading =, +, - or @ is neutralised so a label cannot run as a
 * formula (OWASP "CSV injection").
 */
export function csvField(value: string | number): string {
	let text = String(value);
	if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
	return /[;"\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const line = (fields: Array<string | number>) => fields.map(csvField).join(';');

/** The results of a poll as CSV text (one row per option), with the totals below (a best date only when one prevails, `pollStanding`). */
export function resultsCsv(
	kind: PollKind,
	results: PollResults,
	words: CsvWords,
	optionText: (option: { id: string; label: string }) => string,
	/** The moderator's choice in a tie: a tied date is named best only by that choice. */
	tieChoice: string | null = null
): string {
	const rows: string[] = [];
	if (kind === 'ranked') {
		const borda = new Map((results.borda ?? []).map((b) => [b.id, b.points]));
		rows.push(line([words.option, words.firstPreferences, words.bordaPoints]));
		for (const r of results.results) rows.push(line([optionText(r), r.count, borda.get(r.id) ?? 0]));
	} else if (kind === 'scheduling') {
		rows.push(line([words.option, words.yes, words.maybe, words.no]));
		for (const s of results.slots ?? []) rows.push(line([optionText(s), s.yes, s.maybe, s.no]));
		const winner = pollStanding(results, tieChoice).winner;
		const best = results.slots?.find((s) => s.id === winner);
		if (best) rows.push(line([words.best, optionText(best)]));
	} else {
		rows.push(line([words.option, kind === 'dots' ? words.dots : words.votes]));
		for (const r of results.results) rows.push(line([optionText(r), r.count]));
	}
	rows.push(line([words.voters, results.voters]));
	if (results.outcome) rows.push(line([words.outcome, results.outcome.passed ? words.passed : words.rejected]));
	return rows.join('\r\n') + '\r\n';
}

/**
 * A poll's CSV as downloaded: its question and how it is decided (`pollStanding`'s method, named
 * by `methodLabel`) as the first rows, a blank row, then `resultsCsv`. The file stands on its own
 * when a spreadsheet of several polls lies in a folder.
 */
export function pollResultsCsv(
	poll: { question: string; kind: PollKind; tieChoice: string | null },
	results: PollResults,
	words: CsvWords,
	optionText: (option: { id: string; label: string }) => string,
	methodLabel: (method: CountingMethod) => string
): string {
	const head = [line([words.question, poll.question]), line([words.method, methodLabel(pollStanding(results).method)]), ''];
	return head.join('\r\n') + '\r\n' + resultsCsv(poll.kind, results, words, optionText, poll.tieChoice);
}
