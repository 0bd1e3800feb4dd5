import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import type { JSONContent } from '@tiptap/core';
import { getDocument as openPdf } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { buildPdf } from '../../src/lib/documents/pdf-export.ts';
import type { ExportMeta } from '../../src/lib/documents/export-meta.ts';

/**
 * Issue 14, item 4: every PDF Tavolo produces (a document export, the convocation letter, the
 * minutes) is one an archivist accepts: PDF/A-2b with its XMP metadata and sRGB output intent,
 * in Italian (/Lang), tagged, every font embedded; a heading never ends a page; the horizontal
 * rule stays within the text.
 *
 * Who checks what: pdf.js (pdfjs-dist, an independent reader) parses the XMP packet (pdfaid,
 * dc:title, dc:creator), the MarkInfo, the structure tree and each page's text; a small reader
 * below reads the catalog (/Lang, /OutputIntents, /StructTreeRoot), the font descriptors and the
 * page content streams straight from the bytes (pdfkit writes no object streams). When poppler's
 * pdfinfo and pdffonts or qpdf are installed they check the same facts again; without them the
 * reader's checks stand alone. No PDF/A validator (veraPDF) can be installed on this machine.
 */

// ---- a small reader of the PDFs pdfkit writes: plain objects, Flate-compressed streams ----

interface RawPdf {
	text: string;
	objects: Map<number, string>;
}

function readRaw(bytes: Uint8Array): RawPdf {
	const text = Buffer.from(bytes).toString('latin1');
	const objects = new Map<number, string>();
	for (const match of text.matchAll(/(?:^|[\r\n])(\d+) 0 obj\s*([\s\S]*?)endobj/g)) objects.set(Number(match[1]), match[2]);
	return { text, objects };
}

/** An object's dictionary (what precedes its stream, if any). */
const dictionary = (pdf: RawPdf, id: number) => (pdf.objects.get(id) ?? '').split(/\bstream\r?\n/)[0];

function refIn(dict: string, key: string): number | undefined {
	const match = new RegExp(`/${key}\\s+(\\d+) 0 R`).exec(dict);
	return match ? Number(match[1]) : undefined;
}

function streamBytes(pdf: RawPdf, id: number): Buffer {
	const body = pdf.objects.get(id) ?? '';
	const match = /\bstream\r?\n([\s\S]*?)\r?\nendstream/.exec(body);
	if (!match) throw new Error(`object ${id} has no stream`);
	const raw = Buffer.from(match[1], 'latin1');
	return /\/Filter\s*\/FlateDecode/.test(dictionary(pdf, id)) ? inflateSync(raw) : raw;
}

function catalogOf(pdf: RawPdf): string {
	const id = [...pdf.objects.keys()].find((key) => /\/Type\s*\/Catalog\b/.test(dictionary(pdf, key)));
	if (id === undefined) throw new Error('no catalog');
	return dictionary(pdf, id);
}

/** The straight segments ("x y m x y l") drawn on every page, as [x1, y1, x2, y2]. */
function segments(pdf: RawPdf): number[][] {
	const found: number[][] = [];
	for (const id of pdf.objects.keys()) {
		const dict = dictionary(pdf, id);
		if (!/\/Type\s*\/Page\b/.test(dict)) continue;
		const contents = refIn(dict, 'Contents');
		if (contents === undefined) continue;
		const ops = streamBytes(pdf, contents).toString('latin1');
		for (const match of ops.matchAll(/(-?[\d.]+) (-?[\d.]+) m\s+(-?[\d.]+) (-?[\d.]+) l/g)) found.push(match.slice(1, 5).map(Number));
	}
	return found;
}

// ---- poppler and qpdf, when present ----

function tool(name: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}
const poppler = tool('pdfinfo') && tool('pdffonts');
const qpdf = tool('qpdf');

function withFile<T>(bytes: Uint8Array, use: (file: string) => T): T {
	const dir = mkdtempSync(path.join(tmpdir(), 'tavolo-pdf-'));
	const file = path.join(dir, 'out.pdf');
	try {
		writeFileSync(file, bytes);
		return use(file);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

// ---- the checks ----

/** Everything an archive asks of a Tavolo PDF; `structure` are roles its structure tree must hold. */
async function expectArchival(bytes: Uint8Array, expected: { title: string; author: string; structure: string[] }) {
	const raw = readRaw(bytes);
	expect(raw.text.slice(0, 8)).toBe('%PDF-1.7');

	// The catalog: language, tagging, metadata, output intent.
	const catalog = catalogOf(raw);
	expect(catalog).toMatch(/\/Lang\s*\(it-IT\)/);
	const markInfo = refIn(catalog, 'MarkInfo');
	expect(markInfo).toBeDefined();
	expect(dictionary(raw, markInfo!)).toMatch(/\/Marked\s+true/);
	const structTreeRoot = refIn(catalog, 'StructTreeRoot');
	expect(structTreeRoot).toBeDefined();
	expect(dictionary(raw, structTreeRoot!)).toMatch(/\/Type\s*\/StructTreeRoot/);
	expect(dictionary(raw, structTreeRoot!)).toMatch(/\/K\s*\[/);
	const metadata = refIn(catalog, 'Metadata');
	expect(metadata).toBeDefined();
	expect(dictionary(raw, metadata!)).toMatch(/\/Subtype\s*\/XML/);
	const intents = /\/OutputIntents\s*\[\s*(\d+) 0 R/.exec(catalog);
	expect(intents).not.toBeNull();
	const intent = dictionary(raw, Number(intents![1]));
	expect(intent).toMatch(/\/S\s*\/GTS_PDFA1/);
	const profile = refIn(intent, 'DestOutputProfile');
	expect(profile).toBeDefined();
	expect(dictionary(raw, profile!)).toMatch(/\/N\s+3\b/);
	expect(streamBytes(raw, profile!).subarray(36, 40).toString('latin1')).toBe('acsp'); // an ICC profile

	// Fonts: only composite TrueType fonts, each with its font file embedded.
	const fonts = [...raw.objects.keys()].map((id) => dictionary(raw, id)).filter((dict) => /\/Type\s*\/Font\b/.test(dict));
	expect(fonts.length).toBeGreaterThan(0);
	for (const font of fonts) expect(font).toMatch(/\/Subtype\s*\/(Type0|CIDFontType2)\b/);
	const descriptors = [...raw.objects.keys()].map((id) => dictionary(raw, id)).filter((dict) => /\/Type\s*\/FontDescriptor\b/.test(dict));
	expect(descriptors.length).toBeGreaterThan(0);
	for (const descriptor of descriptors) expect(descriptor).toMatch(/\/FontFile[23]\s+\d+ 0 R/);

	// The XMP packet and the rest, as pdf.js reads them.
	const pdf = await openPdf({ data: bytes.slice(), useSystemFonts: false, isEvalSupported: false }).promise;
	try {
		const { info, metadata: xmp } = await pdf.getMetadata();
		expect(xmp, 'the XMP packet parses').toBeTruthy();
		expect(xmp!.get('pdfaid:part')).toBe('2');
		expect(xmp!.get('pdfaid:conformance')).toBe('B');
		expect(xmp!.get('dc:title')).toBe(expected.title);
		expect(xmp!.get('dc:creator')).toEqual([expected.author]);
		expect((info as Record<string, unknown>).Title).toBe(expected.title);
		expect((info as Record<string, unknown>).Author).toBe(expected.author);
		expect(await pdf.getMarkInfo()).toMatchObject({ Marked: true });
		const roles = new Set<string>();
		const walk = (node: { role?: string; children?: unknown[] }) => {
			if (node.role) roles.add(node.role);
			for (const child of node.children ?? []) walk(child as typeof node);
		};
		for (let number = 1; number <= pdf.numPages; number++) {
			const tree = await (await pdf.getPage(number)).getStructTree();
			if (tree) walk(tree);
		}
		for (const role of expected.structure) expect([...roles], `structure holds ${role}`).toContain(role);
	} finally {
		await pdf.destroy();
	}

	if (poppler) {
		withFile(bytes, (file) => {
			const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
			expect(info).toMatch(/^Tagged:\s+yes$/m);
			expect(info).toMatch(/^PDF version:\s+1\.7$/m);
			expect(info).toMatch(/^Title:\s+(.*)$/m);
			expect(/^Title:\s+(.*)$/m.exec(info)![1]).toBe(expected.title);
			expect(/^Author:\s+(.*)$/m.exec(info)![1]).toBe(expected.author);
			expect(execFileSync('pdfinfo', ['-meta', file], { encoding: 'utf8' })).toContain('<pdfaid:part>2</pdfaid:part>');
			const rows = execFileSync('pdffonts', [file], { encoding: 'utf8' }).trim().split('\n').slice(2);
			expect(rows.length).toBeGreaterThan(0);
			// name, type (two words), encoding, emb, sub, uni, object, id: emb is the fifth from the end.
			for (const row of rows) expect(row.trim().split(/\s+/).at(-5), row).toBe('yes');
		});
	}
	if (qpdf) withFile(bytes, (file) => execFileSync('qpdf', ['--check', file], { encoding: 'utf8' }));
}

async function pageTexts(bytes: Uint8Array): Promise<string[]> {
	const pdf = await openPdf({ data: bytes.slice(), useSystemFonts: false, isEvalSupported: false }).promise;
	const pages: string[] = [];
	for (let number = 1; number <= pdf.numPages; number++) {
		const content = await (await pdf.getPage(number)).getTextContent();
		pages.push(
			content.items
				.map((item) => ('str' in item ? item.str : ''))
				.join(' ')
				.replace(/\s+/g, ' ')
		);
	}
	await pdf.destroy();
	return pages;
}

const text = (value: string) => ({ type: 'text', text: value });
const paragraph = (...lines: string[]): JSONContent => ({
	type: 'paragraph',
	content: lines.flatMap((line, i) => [...(i > 0 ? [{ type: 'hardBreak' }] : []), text(line)])
});
const meta: ExportMeta = {
	title: 'Prova di impaginazione',
	organization: 'Consorzio di prova',
	programme: 'Programma',
	table: 'Tavolo',
	versionLabel: 'Bozza corrente',
	pageTemplate: 'Pagina {page} di {pages}'
};

describe('the PDFs Tavolo serves', () => {
	let app: TestApp;
	let coordinator: ApiClient;
	let tableId: string;
	let meetingId: string;
	const organization = 'Consorzio "Scuola & Territorio"';

	beforeAll(async () => {
		app = await startTestApp();
		coordinator = new ApiClient(app.origin);
		await coordinator.signUp('giulia@consorzio.example', 'Giulia Coordinatrice');
		tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna Pistoiese' })).body.id;
		// A name XML must escape, in the author of every file.
		await app.context.db.updateTable('organizations').set({ name: organization }).execute();
		meetingId = (
			await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Primo incontro del tavolo',
				startsAt: '2027-01-14T15:00:00+01:00',
				endsAt: '2027-01-14T17:00:00+01:00',
				videoUrl: 'https://meet.example.org/montagna'
			})
		).body.id;
	}, 60_000);

	afterAll(async () => {
		await app?.stop();
	});

	async function download(url: string): Promise<Uint8Array> {
		const response = await fetch(`${app.origin}${url}`, { headers: { cookie: coordinator.sessionCookie, origin: app.origin } });
		expect(response.status, url).toBe(200);
		expect(response.headers.get('content-type')).toBe('application/pdf');
		return new Uint8Array(await response.arrayBuffer());
	}

	it('exports a document as tagged PDF/A-2b in Italian, with its title and the organisation as author', async () => {
		const title = 'Protocollo <accoglienza> & intese';
		const created = await coordinator.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title });
		expect(created.status).toBe(201);
		const bytes = await download(`/api/v1/documents/${created.body.id}/export?format=pdf`);
		await expectArchival(bytes, { title, author: organization, structure: ['Document', 'H1', 'P'] });
	});

	it('exports the convocation letter the same way', async () => {
		const bytes = await download(`/api/v1/meetings/${meetingId}/convocation/export?format=pdf`);
		// The letter's title is the sender, heading the page like a letterhead.
		await expectArchival(bytes, { title: organization, author: organization, structure: ['Document', 'H1', 'P'] });
	});

	it('exports the minutes the same way, their sections tagged as headings', async () => {
		expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).status).toBe(200);
		expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'closed' })).status).toBe(200);
		const minutes = await coordinator.get(`/api/v1/meetings/${meetingId}/minutes`);
		expect(minutes.status).toBe(200);
		const document = await coordinator.get(`/api/v1/documents/${minutes.body.documentId}`);
		const bytes = await download(`/api/v1/documents/${minutes.body.documentId}/export?format=pdf`);
		await expectArchival(bytes, { title: document.body.title, author: organization, structure: ['Document', 'H1', 'H2', 'P'] });
	});
});

describe('the layout of a long document', () => {
	it('never leaves a heading alone at the bottom of a page', async () => {
		const cases: Array<{ headingPage: number; nextPage: number; fillerEnd: number }> = [];
		// One-line paragraphs move the heading down in steps of a paragraph, a second or third line
		// in the last one in smaller steps: between them the heading lands on every height at the
		// foot of page 1, including the one where it fits and the next line does not.
		for (let fillers = 26; fillers <= 29; fillers++) {
			for (let extraLines = 0; extraLines <= 2; extraLines++) {
				const content: JSONContent[] = Array.from({ length: fillers }, (_, i) => paragraph(`Riempitivo ${i + 1}.`));
				content.push(paragraph('Ultimo riempitivo.', ...Array.from({ length: extraLines }, (_, i) => `Riga ${i + 2}.`)));
				content.push({ type: 'heading', attrs: { level: 2 }, content: [text('Titolo della sezione')] });
				content.push(paragraph('Primo capoverso della sezione.'));
				const pages = await pageTexts(await buildPdf({ type: 'doc', content }, meta));
				const pageOf = (needle: string) => pages.findIndex((page) => page.includes(needle)) + 1;
				cases.push({
					headingPage: pageOf('Titolo della sezione'),
					nextPage: pageOf('Primo capoverso'),
					fillerEnd: pageOf('Ultimo riempitivo')
				});
			}
		}
		for (const entry of cases) {
			expect(entry.headingPage, JSON.stringify(entry)).toBeGreaterThan(0);
			expect(entry.headingPage, JSON.stringify(entry)).toBe(entry.nextPage);
		}
		// At least once the heading would have been the last line of page 1 and moved on.
		expect(cases.some((entry) => entry.fillerEnd === 1 && entry.headingPage === 2)).toBe(true);
	});

	it('draws the horizontal rule within the text width, at the top level and inside a quotation', async () => {
		const bytes = await buildPdf(
			{
				type: 'doc',
				content: [
					paragraph('Prima della linea.'),
					{ type: 'horizontalRule' },
					{ type: 'blockquote', content: [paragraph('Citazione.'), { type: 'horizontalRule' }, paragraph('Fine.')] }
				]
			},
			meta
		);
		const lines = segments(readRaw(bytes));
		const [left, right] = [56, 595.28 - 56];
		const horizontal = lines.filter(([, y1, , y2]) => y1 === y2);
		expect(horizontal.length).toBeGreaterThanOrEqual(2);
		for (const [x1, , x2] of horizontal) {
			expect(Math.min(x1, x2)).toBeGreaterThanOrEqual(left - 0.01);
			expect(Math.max(x1, x2)).toBeLessThanOrEqual(right + 0.01);
		}
		// The top-level rule spans the text width.
		expect(horizontal.some(([x1, , x2]) => Math.abs(Math.abs(x2 - x1) - (right - left)) < 0.5)).toBe(true);
	});

	it('tags headings, paragraphs, lists and tables, and keeps the running header and page numbers out of the structure', async () => {
		const cell = (type: string, value: string) => ({ type, content: [paragraph(value)] });
		const bytes = await buildPdf(
			{
				type: 'doc',
				content: [
					{ type: 'heading', attrs: { level: 1 }, content: [text('Art. 1 Finalità')] },
					paragraph('Il protocollo regola l’accoglienza.'),
					{ type: 'bulletList', content: [{ type: 'listItem', content: [paragraph('Un referente per scuola.')] }] },
					{
						type: 'table',
						content: [
							{ type: 'tableRow', content: [cell('tableHeader', 'Ente'), cell('tableHeader', 'Referente')] },
							{ type: 'tableRow', content: [cell('tableCell', 'Comune'), cell('tableCell', 'Sindaca')] }
						]
					}
				]
			},
			meta
		);
		await expectArchival(bytes, {
			title: meta.title,
			author: meta.organization,
			structure: ['Document', 'H1', 'P', 'L', 'LI', 'LBody', 'Table', 'TR', 'TH', 'TD']
		});
		// The header line and "Pagina 1 di 1" are drawn as artifacts, outside any tagged sequence.
		const raw = readRaw(bytes);
		const pageId = [...raw.objects.keys()].find((id) => /\/Type\s*\/Page\b/.test(dictionary(raw, id)))!;
		const ops = streamBytes(raw, refIn(dictionary(raw, pageId), 'Contents')!).toString('latin1');
		expect(ops).toMatch(/\/Artifact <<\s*\/Type \/Pagination\s*>> BDC/);
		expect(ops).toMatch(/\/H1 <<\s*\/MCID 0\s*>> BDC/);
	});
});
