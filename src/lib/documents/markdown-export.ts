import type { JSONContent } from '@tiptap/core';
import { MarkdownManager } from '@tiptap/markdown';
import { draftExtensions } from './extensions.ts';
import type { ExportMeta } from './export-meta.ts';

/**
 * The Markdown a draft is exported as, for any CommonMark/GFM reader. The editor's own serializer
 * (@tiptap/markdown, used for stored versions and diffs) escapes inline syntax only, writes `&`
 * and `<` as HTML entities, and leaves text that looks like block syntax alone, so "2027. Anno…"
 * at the start of a paragraph became a list starting at 2027 and "A | B" split a table cell.
 * Here each text is escaped for where it stands, and the title is the only level-1 heading.
 */

/** Where a text node stands, set on the JSON before it is serialized (see `annotate`). */
interface Placed {
	/** First on a line of a paragraph: at its start or after a line break. */
	lineStart?: boolean;
	/** Last text of a heading: a trailing run of `#` would be read as the heading's closing sequence. */
	headingEnd?: boolean;
	/** Inside a table cell: a `|`, even inside code, would end the cell. */
	inTable?: boolean;
	/** The text of a code block: literal. */
	inCodeBlock?: boolean;
}
/** A plain key (not a symbol): it survives any copy the serializer makes of a node. */
const placed = '_tavoloPlaced';
type PlacedText = JSONContent & { [placed]?: Placed };

/** Backslash escapes (CommonMark §2.4) for inline syntax, `|`, and entity or tag look-alikes. */
function escapeCharacters(text: string): string {
	return (
		text
			.replace(/[\\`*_[\]~|]/g, '\\$&')
			// "&copy;" typed as text stays text; a bare & needs nothing (no &amp; in the file).
			.replace(/&(?=#?[A-Za-z0-9]+;)/g, '\\&')
			// "<b>" or "<https://…>" typed as text is not HTML or an autolink.
			.replace(/<(?=[A-Za-z/!?])/g, '\\<')
	);
}

/**
 * Inline escapes, and one more for a bare URL that needed some: a GFM reader may take the URL
 * with its backslashes as a link (marked does), so each scheme's colon (and "www."'s dot) in it
 * is escaped too and the URL stays text.
 */
function escapeInline(text: string): string {
	return escapeCharacters(text).replace(/(?:https?:\/\/|ftp:\/\/|www\.)\S*/gi, (url) =>
		url.includes('\\') ? url.replace(/(https?|ftp):(?=\/\/)/gi, '$1\\:').replace(/www\./gi, 'www\\.') : url
	);
}

/**
 * Text that would open a block at the start of a line: a list ("2027." "3)" "- " "+ "), a
 * heading ("# "), a quote ("> "), a fence or a thematic break ("```" "---" "==="). Backticks and
 * `*`/`_`/`~` are already escaped inline; leading spaces go (a paragraph's are dropped by every
 * reader anyway, and four of them would make the line code).
 */
function escapeLineStart(text: string): string {
	return text
		.replace(/^[ \t]+/, '')
		.replace(/^(\d{1,9})([.)])/, '$1\\$2')
		.replace(/^[-+=#>]/, '\\$&');
}

function escapeText(node: PlacedText): string {
	const text = node.text ?? '';
	const where = node[placed] ?? {};
	if (where.inCodeBlock) return text;
	if ((node.marks ?? []).some((mark) => mark.type === 'code')) {
		// A code span is literal; only GFM tables read a `\|` inside one as a pipe.
		return where.inTable ? text.replaceAll('|', '\\|') : text;
	}
	let escaped = escapeInline(text);
	if (where.lineStart) escaped = escapeLineStart(escaped);
	if (where.headingEnd) escaped = escaped.replace(/#+(?=\s*$)/, (run) => run.replace(/#/g, '\\#'));
	return escaped;
}

/** A copy of the document with each text node told where it stands, and headings one level down. */
function annotate(node: JSONContent, inTable = false): JSONContent {
	const tableHere = inTable || node.type === 'tableCell' || node.type === 'tableHeader';
	const content = node.content?.map((child, index, siblings): JSONContent => {
		if (child.type !== 'text') return annotate(child, tableHere);
		const previous = siblings[index - 1];
		return {
			...child,
			[placed]: {
				lineStart: node.type === 'paragraph' && (index === 0 || previous?.type === 'hardBreak'),
				headingEnd: node.type === 'heading' && index === siblings.length - 1,
				inTable: tableHere,
				inCodeBlock: node.type === 'codeBlock'
			}
		} as PlacedText;
	});
	// The title is the file's one `#`: the document's own headings start at `##` (a sixth level stays sixth).
	const attrs = node.type === 'heading' ? { ...node.attrs, level: Math.min(Number(node.attrs?.level ?? 1) + 1, 6) } : node.attrs;
	return { ...node, ...(attrs ? { attrs } : {}), ...(content ? { content } : {}) };
}

const manager = new MarkdownManager({ extensions: draftExtensions() });
// @tiptap/markdown 3.31 (pinned) sends every non-code text through this one private method; the
// export swaps it for the escaping above. markdown-export.spec.ts parses the result back, so a
// version of the library that stops calling it fails there, not in someone's archive.
(manager as unknown as { encodeTextForMarkdown: (text: string, node: PlacedText) => string }).encodeTextForMarkdown = (_text, node) =>
	escapeText(node);

/** `# Title`, the version line, then the document (headings from `##`). */
export function buildMarkdown(json: JSONContent, meta: ExportMeta): string {
	const title = escapeText({ type: 'text', text: meta.title, [placed]: { headingEnd: true } });
	const body = manager.serialize(annotate(json)).trim();
	return `# ${title}\n\n_${escapeInline(meta.versionLabel)}_\n\n${body}\n`;
}
