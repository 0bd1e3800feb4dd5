import { diffWordsWithSpace } from 'diff';

export interface DiffStat {
	/** Words added and removed (whitespace not counted). */
	insertions: number;
	deletions: number;
}

export interface DraftDiff {
	/** The Markdown of the newer side, with `<ins>` and `<del>` around what changed; escaped. */
	html: string;
	stat: DiffStat;
}

const escapeHtml = (text: string) =>
	text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char);

const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;

/**
 * A word-level diff of two Markdown texts, readable by people who do not read Markdown markup
 * either way: the caller shows it with `white-space: pre-wrap`. Word level, not character level,
 * because reviewers compare wording; a changed word shows as one deletion plus one insertion.
 */
export function diffMarkdown(before: string, after: string): DraftDiff {
	let insertions = 0;
	let deletions = 0;
	const html = diffWordsWithSpace(before, after)
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
