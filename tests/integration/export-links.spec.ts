import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { strFromU8, unzipSync } from 'fflate';
import { getDocument as openPdf } from 'pdfjs-dist/legacy/build/pdf.mjs';
import {
	connectClient,
	createFixture,
	saved,
	startYjsTestServer,
	synced,
	type Client,
	type Fixture,
	type YjsTestServer
} from '../support/yjs-harness.ts';
import { draftExtensions } from '../../src/lib/documents/extensions.ts';

/**
 * Issue 11, point 9: the web view empties unsafe link targets, but the exports kept them: a
 * `javascript:` target became a DOCX hyperlink relationship, a PDF /URI action and a Markdown link.
 * Exports now keep only http, https and mailto targets; every link's text stays.
 */
const schema = getSchema(draftExtensions());
const link = (text: string, href: string) => ({ type: 'text', text, marks: [{ type: 'link', attrs: { href } }] });

const safe = ['https://comune.example.it/bando', 'http://example.org/a?b=1', 'mailto:ufficio@comune.example.it'];
const unsafe = [
	'javascript:alert(1)',
	' JaVaScRiPt:alert(2)',
	'java\tscript:alert(3)',
	'data:text/html,<b>4</b>',
	'vbscript:msgbox(5)',
	'file:///etc/passwd',
	'/relativo'
];
const draft = {
	type: 'doc',
	content: [
		{ type: 'paragraph', content: safe.flatMap((href, i) => [link(`sicuro${i}`, href), { type: 'text', text: ' ' }]) },
		{ type: 'paragraph', content: unsafe.flatMap((href, i) => [link(`insidia${i}`, href), { type: 'text', text: ' ' }]) }
	]
};

let server: YjsTestServer;
let fixture: Fixture;
let editor: Client;

async function download(format: string): Promise<Uint8Array> {
	const response = await fetch(`${server.app.url}/api/v1/documents/${fixture.documentId}/export?format=${format}`, {
		headers: { cookie: fixture.alice.cookie, origin: server.app.url }
	});
	expect(response.status).toBe(200);
	return new Uint8Array(await response.arrayBuffer());
}

beforeAll(async () => {
	server = await startYjsTestServer();
	fixture = await createFixture(server.app);
	editor = connectClient(server, fixture.documentDoc, fixture.alice);
	await synced(editor);
	prosemirrorJSONToYXmlFragment(schema, draft, editor.doc.getXmlFragment('default'));
	await saved(editor);
}, 60_000);

afterAll(async () => {
	editor?.destroy();
	await server?.dispose();
});

describe('link targets in exports', () => {
	it('DOCX: hyperlink relationships only for http, https and mailto; every text kept', async () => {
		const files = unzipSync(await download('docx'));
		const relationships = strFromU8(files['word/_rels/document.xml.rels']);
		const targets = [...relationships.matchAll(/Target="([^"]*)"[^>]*TargetMode="External"/g)].map((match) =>
			match[1].replaceAll('&amp;', '&')
		);
		expect(targets.sort()).toEqual([...safe].sort());
		expect(relationships).not.toMatch(/script|data:|file:|relativo/i);
		const body = strFromU8(files['word/document.xml']);
		for (let i = 0; i < unsafe.length; i++) expect(body).toContain(`insidia${i}`);
	});

	it('PDF: /URI link annotations only for http, https and mailto; every text kept', async () => {
		const bytes = await download('pdf');
		const pdf = await openPdf({ data: bytes, useSystemFonts: false, isEvalSupported: false }).promise;
		const page = await pdf.getPage(1);
		const annotations = (await page.getAnnotations()) as { subtype: string; url?: string; unsafeUrl?: string; action?: string }[];
		const links = annotations.filter((annotation) => annotation.subtype === 'Link');
		expect(links.map((annotation) => annotation.unsafeUrl ?? annotation.url).sort()).toEqual([...safe].sort());
		const text = (await page.getTextContent()).items.map((item) => ('str' in item ? item.str : '')).join(' ');
		for (let i = 0; i < unsafe.length; i++) expect(text).toContain(`insidia${i}`);
		await pdf.destroy();
		expect(Buffer.from(bytes).toString('latin1')).not.toMatch(/javascript|vbscript|\/JS\b/i);
	});

	it('Markdown: links only for http, https and mailto; every text kept', async () => {
		const markdown = new TextDecoder().decode(await download('md'));
		for (const [i, href] of safe.entries()) expect(markdown).toContain(`[sicuro${i}](${href})`);
		for (let i = 0; i < unsafe.length; i++) {
			expect(markdown).toContain(`insidia${i}`);
			expect(markdown).not.toContain(`[insidia${i}]`);
		}
		expect(markdown).not.toMatch(/script:|data:|file:|\/relativo/i);
	});
});
