import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getSchema } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { draftExtensions, draftField } from './extensions.ts';
import { plainText, renderDraftState } from './render.ts';

const text = (value: string, marks?: object[]) => (marks ? { type: 'text', text: value, marks } : { type: 'text', text: value });
const paragraph = (...content: object[]) => ({ type: 'paragraph', content });
const link = (href: string) => ({ type: 'link', attrs: { href } });
const item = (...content: object[]) => ({ type: 'listItem', content });

/** Everything the editor (StarterKit + TableKit, extensions.ts) can write, with text that needs escaping. */
const everything = [
	...[1, 2, 3, 4, 5, 6].map((level) => ({ type: 'heading', attrs: { level }, content: [text(`Livello ${level}`)] })),
	paragraph(
		text('grassetto', [{ type: 'bold' }]),
		text(' '),
		text('corsivo', [{ type: 'italic' }]),
		text(' '),
		text('barrato', [{ type: 'strike' }]),
		text(' '),
		text('codice', [{ type: 'code' }]),
		text(' '),
		text('sottolineato', [{ type: 'underline' }]),
		text(' '),
		text('tutto', [{ type: 'bold' }, { type: 'italic' }, { type: 'strike' }, { type: 'underline' }]),
		text(' e '),
		text('forte ', [{ type: 'bold' }]),
		text('e corsivo', [{ type: 'bold' }, { type: 'italic' }])
	),
	paragraph(
		text('Sito', [link('https://example.org/?a=1&b="2"&c=<3>')]),
		text(' del '),
		// One link over two text nodes (one of them bold) stays one link: one tab stop, one entry for screen readers.
		text('Comune', [link('https://comune.example.it/'), { type: 'bold' }]),
		text(' e ', [link('https://comune.example.it/')]),
		text('mail', [link('mailto:ufficio@comune.example.it')])
	),
	paragraph(
		text('uno', [link('javascript:alert(1)')]),
		text(' '),
		text('due', [link(' JaVaScRiPt:alert(2)')]),
		text(' '),
		text('tre', [link('java\tscript:alert(3)')]),
		text(' '),
		text('quattro', [link('data:text/html,<script>alert(4)</script>')])
	),
	paragraph(text('prima riga'), { type: 'hardBreak' }, text('seconda riga')),
	{
		type: 'bulletList',
		content: [
			item(paragraph(text('punto')), { type: 'bulletList', content: [item(paragraph(text('sottopunto')))] }),
			item(paragraph(text('altro')))
		]
	},
	{ type: 'orderedList', content: [item(paragraph(text('primo')))] },
	{ type: 'orderedList', attrs: { start: 3 }, content: [item(paragraph(text('terzo'))), item(paragraph(text('quarto')))] },
	{ type: 'blockquote', content: [paragraph(text('citazione'))] },
	{ type: 'codeBlock', attrs: { language: 'js' }, content: [text('if (a < b && c > d) return "x";\n\treturn \'y\';')] },
	{ type: 'codeBlock', content: [text('senza linguaggio')] },
	{ type: 'horizontalRule' },
	{
		type: 'table',
		content: [
			{
				type: 'tableRow',
				content: [
					{ type: 'tableHeader', attrs: { colspan: 2 }, content: [paragraph(text('Voce'))] },
					{ type: 'tableHeader', attrs: { colwidth: [120] }, content: [paragraph(text('Importo'))] }
				]
			},
			{
				type: 'tableRow',
				content: [
					{ type: 'tableCell', attrs: { rowspan: 2 }, content: [paragraph(text('Spese'))] },
					{ type: 'tableCell', content: [paragraph(text('personale'))] },
					{ type: 'tableCell', content: [paragraph(text('10 € < 20 €'))] }
				]
			},
			{
				type: 'tableRow',
				content: [
					{ type: 'tableCell', content: [paragraph(text('beni'))] },
					{ type: 'tableCell', content: [paragraph()] }
				]
			}
		]
	},
	paragraph(text(`1 < 2 > 0 & "virgolette" e 'apici', spazio\u00a0indivisibile <script>alert(5)</script>`)),
	paragraph()
];

const linkAttributes = 'target="_blank" rel="noopener noreferrer nofollow"';

function stateOf(content: object[]): Uint8Array {
	const doc = new Y.Doc();
	prosemirrorJSONToYXmlFragment(getSchema(draftExtensions()), { type: 'doc', content }, doc.getXmlFragment(draftField));
	return Y.encodeStateAsUpdate(doc);
}

describe('renderDraftState', () => {
	it("renders the editor's Yjs fragment as HTML and Markdown", () => {
		const rendered = renderDraftState(
			stateOf([
				{ type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Impegni' }] },
				{
					type: 'paragraph',
					content: [
						{ type: 'text', text: 'Il Comune ' },
						{ type: 'text', text: 'coordina', marks: [{ type: 'italic' }] },
						{ type: 'text', text: ' <tutto>.' }
					]
				},
				{
					type: 'orderedList',
					content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'primo' }] }] }]
				}
			])
		);
		expect(rendered.html).toBe('<h2>Impegni</h2><p>Il Comune <em>coordina</em> &lt;tutto&gt;.</p><ol><li><p>primo</p></li></ol>');
		expect(rendered.markdown).toContain('## Impegni');
		expect(rendered.markdown).toContain('*coordina*');
		expect(rendered.markdown).toContain('1. primo');
		expect(plainText(rendered.json)).toBe('Impegni\nIl Comune coordina <tutto>.\nprimo');
	});

	it('renders everything the editor can write, escaped, with unsafe links emptied', () => {
		const { html } = renderDraftState(stateOf(everything));
		expect(html).toBe(
			[
				'<h1>Livello 1</h1><h2>Livello 2</h2><h3>Livello 3</h3><h4>Livello 4</h4><h5>Livello 5</h5><h6>Livello 6</h6>',
				'<p><strong>grassetto</strong> <em>corsivo</em> <s>barrato</s> <code>codice</code> <u>sottolineato</u> ',
				'<strong><em><s><u>tutto</u></s></em></strong> e <strong>forte <em>e corsivo</em></strong></p>',
				// < and > in an attribute value are escaped too, as HTML's serialization now asks (its
				// "escaping a string" algorithm); generateHTML over happy-dom left them bare. The same href.
				`<p><a ${linkAttributes} href="https://example.org/?a=1&amp;b=&quot;2&quot;&amp;c=&lt;3&gt;">Sito</a> del `,
				`<a ${linkAttributes} href="https://comune.example.it/"><strong>Comune</strong> e </a>`,
				`<a ${linkAttributes} href="mailto:ufficio@comune.example.it">mail</a></p>`,
				`<p><a ${linkAttributes} href="">uno</a> <a ${linkAttributes} href="">due</a> `,
				`<a ${linkAttributes} href="">tre</a> <a ${linkAttributes} href="">quattro</a></p>`,
				'<p>prima riga<br>seconda riga</p>',
				'<ul><li><p>punto</p><ul><li><p>sottopunto</p></li></ul></li><li><p>altro</p></li></ul>',
				'<ol><li><p>primo</p></li></ol>',
				'<ol start="3"><li><p>terzo</p></li><li><p>quarto</p></li></ol>',
				'<blockquote><p>citazione</p></blockquote>',
				'<pre><code class="language-js">if (a &lt; b &amp;&amp; c &gt; d) return "x";\n\treturn \'y\';</code></pre>',
				'<pre><code>senza linguaggio</code></pre>',
				'<hr>',
				// The style is TableKit's declaration as written; generateHTML set it through happy-dom's CSS
				// object model, which added a closing semicolon. The same declaration either way.
				'<table style="min-width: 170px">',
				'<colgroup><col style="min-width: 25px"><col style="min-width: 25px"><col style="width: 120px"></colgroup>',
				'<tbody>',
				'<tr><th colspan="2" rowspan="1"><p>Voce</p></th><th colspan="1" rowspan="1" colwidth="120"><p>Importo</p></th></tr>',
				'<tr><td colspan="1" rowspan="2"><p>Spese</p></td><td colspan="1" rowspan="1"><p>personale</p></td>',
				'<td colspan="1" rowspan="1"><p>10 € &lt; 20 €</p></td></tr>',
				'<tr><td colspan="1" rowspan="1"><p>beni</p></td><td colspan="1" rowspan="1"><p></p></td></tr>',
				'</tbody></table>',
				'<p>1 &lt; 2 &gt; 0 &amp; "virgolette" e \'apici\', spazio&nbsp;indivisibile &lt;script&gt;alert(5)&lt;/script&gt;</p>',
				'<p></p>'
			].join('')
		);
		expect(html).not.toMatch(/javascript|data:|<script/i);
	});

	it('renders an empty or never-written document as empty text', () => {
		const rendered = renderDraftState(Y.encodeStateAsUpdate(new Y.Doc()));
		expect(rendered.html).toBe('');
		expect(rendered.markdown.trim()).toBe('');
	});
});
