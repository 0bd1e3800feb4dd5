import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Marked } from 'marked';
import { buildMarkdown } from './markdown-export.ts';
import type { ExportMeta } from './export-meta.ts';

/**
 * Issue 14, point 5: the Markdown export read back by a CommonMark + GFM parser (marked, the one
 * @tiptap/markdown itself parses with): each paragraph and table cell says what was written.
 */
const text = (value: string, marks?: { type: string }[]) => ({ type: 'text', text: value, ...(marks ? { marks } : {}) });
const paragraph = (...content: object[]) => ({ type: 'paragraph', content });
const row = (type: 'tableHeader' | 'tableCell', values: string[]) => ({
	type: 'tableRow',
	content: values.map((value) => ({ type, content: [paragraph(text(value))] }))
});

const meta: ExportMeta = {
	title: 'Protocollo & accordo',
	organization: 'Società della Salute Pistoiese',
	programme: 'Patto educativo',
	table: 'Tavolo pistoiese',
	versionLabel: 'Versione 2 · Definitivo · 27/11/2026',
	pageTemplate: 'Pagina {page} di {pages}'
};

const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const decode = (html: string) => html.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => entities[entity]);
/** The text of every element `tag` in the HTML, tags dropped and entities decoded. */
const texts = (html: string, tag: string) =>
	[...html.matchAll(new RegExp(`<${tag}(?: [^>]*)?>(.*?)</${tag}>`, 'gs'))].map((match) => decode(match[1].replace(/<[^>]+>/g, '')));

// A parser of its own: @tiptap/markdown adds its tokenizers to marked's shared instance (there "a. a" reads as a list).
const commonmark = new Marked({ gfm: true });
const toHtml = (markdown: string) => commonmark.parse(markdown, { async: false });

describe('buildMarkdown', () => {
	it('escapes text that looks like block syntax, table pipes, and writes & as &', () => {
		const lines = [
			'2027. Anno di avvio',
			'3) terzo',
			'- trattino',
			'+ più',
			'# cancelletto',
			'> citazione',
			'```',
			'---',
			'=== ',
			'A & B &copy; <b>'
		];
		const markdown = buildMarkdown(
			{
				type: 'doc',
				content: [
					...lines.map((line) => paragraph(text(line))),
					paragraph(text('prima riga'), { type: 'hardBreak' }, text('===')),
					{ type: 'table', content: [row('tableHeader', ['A | B', 'Voce']), row('tableCell', ['x | y', '`|`'])] }
				]
			},
			meta
		);
		expect(markdown).not.toContain('&amp;');
		expect(markdown).toContain('A & B');
		const html = toHtml(markdown);
		expect(html).not.toMatch(/<ol|<ul|<blockquote|<hr|<pre|<h[2-6]/);
		expect(texts(html, 'p').map((value) => value.trim())).toEqual([
			meta.versionLabel,
			...lines.map((line) => line.trim()),
			'prima riga==='
		]);
		expect(texts(html, 'th')).toEqual(['A | B', 'Voce']);
		expect(texts(html, 'td')).toEqual(['x | y', '`|`']);
	});

	it('makes the title the only level-1 heading: the document’s headings move down one level', () => {
		const markdown = buildMarkdown(
			{
				type: 'doc',
				content: [
					{ type: 'heading', attrs: { level: 1 }, content: [text('Art. 1 Finalità #')] },
					{ type: 'heading', attrs: { level: 2 }, content: [text('1. Impegni')] },
					paragraph(text('Testo.'))
				]
			},
			meta
		);
		const html = toHtml(markdown);
		expect(texts(html, 'h1')).toEqual(['Protocollo & accordo']);
		expect(texts(html, 'h2')).toEqual(['Art. 1 Finalità #']);
		expect(texts(html, 'h3')).toEqual(['1. Impegni']);
	});

	it('keeps code and marks as code and marks', () => {
		const markdown = buildMarkdown(
			{
				type: 'doc',
				content: [
					paragraph(text('grassetto', [{ type: 'bold' }]), text(' e '), text('a < b && c', [{ type: 'code' }])),
					{ type: 'codeBlock', content: [text('# non un titolo\n2027. non un elenco & <x>')] }
				]
			},
			meta
		);
		const html = toHtml(markdown);
		expect(html).toContain('<strong>grassetto</strong>');
		expect(texts(html, 'code')).toEqual(['a < b && c', '# non un titolo\n2027. non un elenco & <x>\n']);
	});

	it('round-trips tricky text through a CommonMark parser, in paragraphs and table cells', () => {
		const alphabet = [...'aZè019.)-+#>`~*_=|&<>/!?[]\\:;()"\' ', 'copy;', '#x41;', 'http://a.it', 'www.a.it', '    '];
		const tricky = fc
			.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 12 })
			.map((parts) => parts.join(''))
			.filter((value) => value.trim().length > 0);
		fc.assert(
			fc.property(fc.array(tricky, { minLength: 1, maxLength: 4 }), tricky, tricky, (paragraphs, left, right) => {
				const markdown = buildMarkdown(
					{
						type: 'doc',
						content: [
							...paragraphs.map((value) => paragraph(text(value))),
							{ type: 'table', content: [row('tableHeader', ['Voce', 'Nota']), row('tableCell', [left, right])] }
						]
					},
					meta
				);
				expect(markdown).not.toContain('&amp;');
				const html = toHtml(markdown);
				const collapse = (value: string) => value.trim().replace(/\s+/g, ' ');
				expect(texts(html, 'p').map((value) => value.trim())).toEqual([meta.versionLabel, ...paragraphs.map((value) => value.trim())]);
				expect(texts(html, 'td').map(collapse)).toEqual([collapse(left), collapse(right)]);
			}),
			{ numRuns: 300 }
		);
	});
});
