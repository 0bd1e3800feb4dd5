import { describe, expect, it } from 'vitest';
import { strFromU8, unzipSync } from 'fflate';
import { buildDocx } from './docx-export.ts';
import type { ExportMeta } from './export-meta.ts';

/**
 * Issue 14, point 3: a DOCX that Word and LibreOffice read as a structured document. The file is
 * unzipped and its WordprocessingML parts read, as an office suite would.
 */
const text = (value: string, marks?: { type: string }[]) => ({ type: 'text', text: value, ...(marks ? { marks } : {}) });
const paragraph = (...content: object[]) => ({ type: 'paragraph', content });
const item = (value: string) => ({ type: 'listItem', content: [paragraph(text(value))] });
const cell = (type: 'tableHeader' | 'tableCell', value: string) => ({ type, content: [paragraph(text(value))] });

const meta: ExportMeta = {
	title: 'Protocollo d’intesa & allegati',
	organization: 'Società della Salute Pistoiese',
	programme: 'Patto educativo',
	table: 'Tavolo pistoiese',
	versionLabel: 'Versione 2 · Definitivo · 27/11/2026',
	pageTemplate: 'Pagina {page} di {pages}'
};

const draft = {
	type: 'doc',
	content: [
		{ type: 'heading', attrs: { level: 1 }, content: [text('Art. 1 Finalità')] },
		paragraph(text('Testo del primo articolo.')),
		{ type: 'heading', attrs: { level: 2 }, content: [text('Art. 1.1 Dettagli')] },
		{ type: 'orderedList', attrs: { start: 5 }, content: [item('quinto punto'), item('sesto punto')] },
		{ type: 'orderedList', content: [item('primo di un altro elenco')] },
		{
			type: 'table',
			content: [
				{ type: 'tableRow', content: [cell('tableHeader', 'Ente'), cell('tableHeader', 'Referente')] },
				{ type: 'tableRow', content: [cell('tableCell', 'Comune'), cell('tableCell', 'Sindaco')] }
			]
		},
		{ type: 'codeBlock', content: [text('prima riga\nseconda riga')] }
	]
};

async function parts(): Promise<Record<string, string>> {
	const files = unzipSync(await buildDocx(draft, meta));
	return Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, strFromU8(bytes)]));
}

/** The element of `xml` that holds `needle`, cut at its own tags (`<w:p>`, `<w:style>`, …). */
function elementWith(xml: string, tag: string, needle: string): string {
	const pattern = new RegExp(`<${tag}[ >](?:(?!</${tag}>).)*</${tag}>`, 'gs');
	const found = [...xml.matchAll(pattern)].map((match) => match[0]).find((element) => element.includes(needle));
	if (!found) throw new Error(`no <${tag}> with ${needle}`);
	return found;
}

const attribute = (xml: string, element: string, name: string) => new RegExp(`<${element}\\b[^>]*\\b${name}="([^"]*)"`).exec(xml)?.[1];

describe('buildDocx', () => {
	it('gives the heading styles an outline level, so headings are headings in LibreOffice and Word', async () => {
		const { 'word/styles.xml': styles, 'word/document.xml': body } = await parts();
		for (const level of [1, 2, 3, 4, 5, 6]) {
			const style = elementWith(styles, 'w:style', `w:styleId="Heading${level}"`);
			expect(attribute(style, 'w:outlineLvl', 'w:val'), `Heading${level}`).toBe(String(level - 1));
			expect(style).toContain('<w:keepNext/>');
		}
		expect(elementWith(body, 'w:p', 'Art. 1 Finalità')).toContain('<w:pStyle w:val="Heading1"/>');
		expect(elementWith(body, 'w:p', 'Art. 1.1 Dettagli')).toContain('<w:pStyle w:val="Heading2"/>');
	});

	it('sets Italian as the language, a body font and paragraph spacing by default', async () => {
		const { 'word/styles.xml': styles } = await parts();
		const defaults = elementWith(styles, 'w:docDefaults', 'w:rPrDefault');
		const run = elementWith(defaults, 'w:rPrDefault', 'w:rPr');
		expect(attribute(run, 'w:lang', 'w:val')).toBe('it-IT');
		expect(attribute(run, 'w:rFonts', 'w:ascii')).toBe('Arial');
		const paragraphDefaults = elementWith(defaults, 'w:pPrDefault', 'w:pPr');
		expect(Number(attribute(paragraphDefaults, 'w:spacing', 'w:after'))).toBeGreaterThan(0);
	});

	it('keeps an ordered list’s start: a list from 5 numbers 5, 6, the next list starts again at 1', async () => {
		const { 'word/document.xml': body, 'word/numbering.xml': numbering } = await parts();
		const numId = (needle: string) => attribute(elementWith(body, 'w:p', needle), 'w:numId', 'w:val');
		const fifth = numId('quinto punto');
		expect(fifth).toBeDefined();
		expect(numId('sesto punto')).toBe(fifth);
		const other = numId('primo di un altro elenco');
		expect(other).not.toBe(fifth);
		const startOf = (id: string) => {
			const num = elementWith(numbering, 'w:num', `w:numId="${id}"`);
			const override = elementWith(num, 'w:lvlOverride', 'w:ilvl="0"');
			return attribute(override, 'w:startOverride', 'w:val');
		};
		expect(startOf(fifth!)).toBe('5');
		expect(startOf(other!)).toBe('1');
	});

	it('sets table header cells in bold and keeps a code block’s lines', async () => {
		const { 'word/document.xml': body } = await parts();
		for (const header of ['Ente', 'Referente']) expect(elementWith(body, 'w:r', `>${header}<`)).toMatch(/<w:b\/>/);
		expect(elementWith(body, 'w:r', '>Comune<')).not.toMatch(/<w:b\/>/);
		const code = elementWith(body, 'w:p', 'prima riga');
		expect(code).toContain('seconda riga');
		expect(code).toMatch(/prima riga<\/w:t>.*<w:br\/>.*seconda riga/s);
		expect(code).not.toContain('prima riga\nseconda riga');
	});

	it('names the title and the issuing organisation as author in the core properties', async () => {
		const { 'docProps/core.xml': core } = await parts();
		expect(core).toContain('<dc:title>Protocollo d’intesa &amp; allegati</dc:title>');
		expect(core).toContain('<dc:creator>Società della Salute Pistoiese</dc:creator>');
		expect(core).not.toContain('>Tavolo<');
	});
});
