import { diffLines, diffWordsWithSpace, type ChangeObject } from 'diff';

export interface DiffStat {
	/** Words added and removed (whitespace not counted). */
	insertions: number;
	deletions: number;
}

/**
 * How fine the comparison could be: word by word; paragraph by paragraph (lines of the Markdown)
 * when the word diff went past its bound; or not at all ("too different to compare"), when even
 * the paragraph diff did, and both texts are shown side by side instead.
 */
export type DiffMode = 'words' | 'paragraphs' | 'too_different';

export interface DraftDiff {
	mode: DiffMode;
	/**
	 * The Markdown of the newer side, with `<ins>` and `<del>` around what changed; escaped.
	 * Empty when `mode` is 'too_different'.
	 */
	html: string;
	stat: DiffStat;
	/** Only when `mode` is 'too_different': the two Markdown texts, for the reader to compare. */
	before?: string;
	after?: string;
}

/**
 * The bounds of one comparison. Myers' algorithm costs O((N + M) · D) for D edits between N and M
 * tokens, so an unbounded diff of two unrelated 20,000-word drafts runs for minutes; past either
 * bound the comparison falls back to a coarser one.
 */
export interface DiffLimits {
	/** Most edits (inserted or deleted tokens) a diff may find before giving up. */
	maxEditLength: number;
	/** Milliseconds each diff (words, then paragraphs) may run before giving up. */
	timeoutMs: number;
}

export const defaultDiffLimits: DiffLimits = { maxEditLength: 5_000, timeoutMs: 2_000 };

const escapeHtml = (text: string) =>
	text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);

const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;

function markChanges(changes: ChangeObject<string>[]): Pick<DraftDiff, 'html' | 'stat'> {
	let insertions = 0;
	let deletions = 0;
	const html = changes
		.map((change) => {
			const text = escapeHtml(change.value);
			if (change.added) {
				insertions += countWords(change.value);
				return `<ins>${text}</ins>`;
			}
			if (change.removed) {
				deletions += countWords(change.value);
				return `<del>${text}</del>`;
			}
			return text;
		})
		.join('');
	return { html, stat: { insertions, deletions } };
}

/**
 * A word-level diff of two Markdown texts, readable by people who do not read Markdown markup
 * either way: the caller shows it with `white-space: pre-wrap`. Word level, not character level,
 * because reviewers compare wording; a changed word shows as one deletion plus one insertion.
 * Bounded by `limits` (see DiffLimits): then paragraph level, then no diff at all.
 */
export function diffMarkdown(before: string, after: string, limits: DiffLimits = defaultDiffLimits): DraftDiff {
	const bounds = { maxEditLength: limits.maxEditLength, timeout: limits.timeoutMs };
	const words = diffWordsWithSpace(before, after, bounds);
	if (words) return { mode: 'words', ...markChanges(words) };
	// Lines of the Markdown are its paragraphs, headings, list items and table rows.
	const paragraphs = diffLines(before, after, bounds);
	if (paragraphs) return { mode: 'paragraphs', ...markChanges(paragraphs) };
	return { mode: 'too_different', html: '', stat: { insertions: countWords(after), deletions: countWords(before) }, before, after };
}
