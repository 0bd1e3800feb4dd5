import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { strFromU8, unzipSync } from 'fflate';
import { getDocument as openPdf } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { ApiClient } from '../support/app.ts';
import {
	connectClient,
	createFixture,
	startYjsTestServer,
	synced,
	type Client,
	type Fixture,
	type Person,
	type YjsTestServer
} from '../support/yjs-harness.ts';
import { draftExtensions } from '../../src/lib/documents/extensions.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Issue 5, points 3–5: DOCX, PDF and Markdown exports of a version or of the current draft
 * (each parsed back and read), the coordinators' review dashboard, and the append-only audit log.
 */
const schema = getSchema(draftExtensions());

let server: YjsTestServer;
let fixture: Fixture;
let coordinator: ApiClient;
let documentId: string;
const clients: Client[] = [];

const apiFor = (person: Person) => new ApiClient(server.app.url, { cookie: person.cookie });

const text = (value: string, marks?: { type: string }[]) => ({ type: 'text', text: value, ...(marks ? { marks } : {}) });
const paragraph = (...content: object[]) => ({ type: 'paragraph', content });
const cell = (type: 'tableHeader' | 'tableCell', value: string) => ({ type, content: [paragraph(text(value))] });

const draft = {
	type: 'doc',
	content: [
		{ type: 'heading', attrs: { level: 1 }, content: [text('Art. 1 Finalità')] },
		paragraph(text('Il protocollo regola '), text("l'accoglienza", [{ type: 'bold' }]), text(' degli studenti neoarrivati.')),
		{ type: 'heading', attrs: { level: 2 }, content: [text('Art. 2 Impegni')] },
		{ type: 'bulletList', content: [{ type: 'listItem', content: [paragraph(text('Le scuole nominano un referente.'))] }] },
		{ type: 'orderedList', content: [{ type: 'listItem', content: [paragraph(text('Primo colloquio entro dieci giorni.'))] }] },
		{
			type: 'table',
			content: [
				{ type: 'tableRow', content: [cell('tableHeader', 'Ente'), cell('tableHeader', 'Referente')] },
				{ type: 'tableRow', content: [cell('tableCell', 'Istituto comprensivo'), cell('tableCell', 'Dirigente scolastico')] }
			]
		}
	]
};

/** GET as bytes (the ApiClient reads text). */
async function download(person: Person, query: string): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
	const response = await fetch(`${server.app.url}/api/v1/documents/${documentId}/export?${query}`, {
		headers: { cookie: person.cookie, origin: server.app.url }
	});
	return { status: response.status, headers: response.headers, bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function pdfText(bytes: Uint8Array): Promise<string[]> {
	const pdf = await openPdf({ data: bytes, useSystemFonts: false, isEvalSupported: false }).promise;
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

const entities: Record<string, string> = { '&apos;': "'", '&quot;': '"', '&lt;': '<', '&gt;': '>', '&amp;': '&' };
/** The words of a WordprocessingML part: tags dropped, entities decoded, runs joined by spaces. */
const docxText = (xml: string) =>
	xml
		.replace(/<[^>]+>/g, ' ')
		.replace(/&(apos|quot|lt|gt|amp);/g, (entity) => entities[entity])
		.replace(/\s+/g, ' ');

beforeAll(async () => {
	server = await startYjsTestServer();
	fixture = await createFixture(server.app);
	coordinator = apiFor(fixture.admin);
	documentId = fixture.documentId;
	const alice = connectClient(server, fixture.documentDoc, fixture.alice);
	clients.push(alice);
	await synced(alice);
	prosemirrorJSONToYXmlFragment(schema, draft, alice.doc.getXmlFragment('default'));
	await waitUntil(() => alice.doc.getXmlFragment('default').length === draft.content.length, 5000, 'the draft in Alice’s document');
	expect((await coordinator.post(`/api/v1/documents/${documentId}/versions`, { note: 'Prima stesura' })).status).toBe(201);
});

afterAll(async () => {
	for (const client of clients) client.destroy();
	await server?.dispose();
});

describe('exports', () => {
	it('exports a version as DOCX with headings, lists, a table and a header naming the table', async () => {
		const { status, headers, bytes } = await download(fixture.alice, 'format=docx&version=1');
		expect(status).toBe(200);
		expect(headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
		expect(headers.get('content-disposition')).toContain('protocollo-operativo-v1.docx');
		const files = unzipSync(bytes);
		const body = strFromU8(files['word/document.xml']);
		expect(docxText(body)).toContain('Art. 1 Finalità');
		expect(docxText(body)).toContain("Il protocollo regola l'accoglienza degli studenti neoarrivati.");
		expect(body).toContain('<w:pStyle w:val="Heading1"/>');
		expect(body).toContain('<w:pStyle w:val="Heading2"/>');
		expect(body).toContain('<w:numPr>');
		expect(body).toContain('<w:tbl>');
		expect(docxText(body)).toContain('Istituto comprensivo');
		const header = Object.entries(files).find(([name]) => /^word\/header\d*\.xml$/.test(name));
		expect(header).toBeDefined();
		const headerText = docxText(strFromU8(header![1]));
		const table = await server.app.context.db
			.selectFrom('tables')
			.innerJoin('programmes', 'programmes.id', 'tables.programme_id')
			.select(['tables.name', 'programmes.name as programme'])
			.where('tables.id', '=', fixture.tableId)
			.executeTakeFirstOrThrow();
		expect(headerText).toContain(table.name);
		expect(headerText).toContain(table.programme);
	});

	it('exports the current draft as a PDF with real text and page numbers', async () => {
		const { status, headers, bytes } = await download(fixture.olga, 'format=pdf');
		expect(status).toBe(200);
		expect(headers.get('content-type')).toBe('application/pdf');
		expect(strFromU8(bytes.slice(0, 5))).toBe('%PDF-');
		const pages = await pdfText(bytes);
		const all = pages.join('\n');
		expect(all).toContain('Art. 1 Finalità');
		expect(all).toContain('Le scuole nominano un referente.');
		expect(all).toContain('Dirigente scolastico');
		expect(all).toContain('Protocollo operativo');
		expect(pages[0]).toContain(`Pagina 1 di ${pages.length}`);
	});

	it('exports Markdown, and the current draft includes edits the server has not committed yet', async () => {
		const { bytes } = await download(fixture.alice, 'format=md&version=1');
		const markdown = strFromU8(bytes);
		// The title is the one `#`; the document's headings follow from `##` (issue 14).
		expect(markdown).toMatch(/^# Protocollo operativo\n/);
		expect(markdown).toContain('\n## Art. 1 Finalità\n');
		expect(markdown).toContain('\n### Art. 2 Impegni\n');
		expect(markdown.match(/^# /gm)).toHaveLength(1);
		expect(markdown).toContain("**l'accoglienza**");
		expect(markdown).toContain('- Le scuole nominano un referente.');
		expect(markdown).toMatch(/\| Ente\s+\| Referente\s+\|/);

		const [alice] = clients;
		const fragment = alice.doc.getXmlFragment('default');
		prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content: [paragraph(text('Aggiunto adesso.'))] }, fragment);
		const current = strFromU8((await download(fixture.alice, 'format=md')).bytes);
		expect(current).toContain('Aggiunto adesso.');
		expect(strFromU8((await download(fixture.alice, 'format=md&version=1')).bytes)).not.toContain('Aggiunto adesso.');
	});

	it('refuses a bad format, an unknown version and non-members', async () => {
		const api = apiFor(fixture.alice);
		for (const query of ['format=odt', 'format=', '']) {
			const response = await api.get(`/api/v1/documents/${documentId}/export?${query}`);
			expect(response.status, query).toBe(400);
			expect(response.body.error.code).toBe('validation_failed');
			expect(typeof response.body.error.message).toBe('string');
		}
		const unknown = await api.get(`/api/v1/documents/${documentId}/export?format=pdf&version=42`);
		expect(unknown.status).toBe(404);
		expect(unknown.body.error.code).toBe('not_found');
		const outsider = await apiFor(fixture.outsider).get(`/api/v1/documents/${documentId}/export?format=md`);
		expect(outsider.status).toBe(403);
		expect(outsider.body.error.code).toBe('forbidden');
	});
});

describe('review dashboard and audit log', () => {
	it("shows the coordinator's documents in review with what changed since the last version", async () => {
		expect((await coordinator.post(`/api/v1/documents/${documentId}/status`, { status: 'in_review' })).status).toBe(200);
		const page = await coordinator.get('/review');
		expect(page.status).toBe(200);
		expect(page.text).toContain('Protocollo operativo');
		expect(page.text).toMatch(/Dalla versione 1: \d+ parole aggiunte, \d+ tolte\./);
		// Participants coordinate nothing: an empty desk, not someone else's documents.
		const participantPage = await apiFor(fixture.alice).get('/review');
		expect(participantPage.status).toBe(200);
		expect(participantPage.text).not.toContain('Protocollo operativo');
	});

	it('records status changes, versions, exports, role changes and polls, append-only', async () => {
		expect((await coordinator.post(`/api/v1/documents/${documentId}/status`, { status: 'final' })).status).toBe(200);
		const members = (await coordinator.get(`/api/v1/tables/${fixture.tableId}`)).body.members as { userId: string; membershipId: string }[];
		const bob = members.find((member) => member.userId === fixture.bob.user.id)!;
		expect((await coordinator.patch(`/api/v1/tables/${fixture.tableId}/members/${bob.membershipId}`, { role: 'moderator' })).status).toBe(
			200
		);
		const meeting = await coordinator.post(`/api/v1/tables/${fixture.tableId}/meetings`, {
			title: 'Incontro di verifica',
			startsAt: '2027-02-01T15:00:00+01:00',
			endsAt: '2027-02-01T17:00:00+01:00'
		});
		const poll = await coordinator.post(`/api/v1/meetings/${meeting.body.id}/polls`, {
			question: 'Approviamo il protocollo?',
			kind: 'single',
			options: ['Sì', 'No'],
			anonymous: false,
			resultsVisible: 'live'
		});
		expect((await coordinator.post(`/api/v1/polls/${poll.body.id}/open`)).status).toBe(200);
		expect((await coordinator.post(`/api/v1/polls/${poll.body.id}/close`)).status).toBe(200);

		const { db } = server.app.context;
		const events = await db.selectFrom('audit_events').selectAll().where('table_id', '=', fixture.tableId).orderBy('id').execute();
		const actions = events.map((event) => event.action);
		expect(actions).toEqual(
			expect.arrayContaining(['document.version', 'document.export', 'document.status', 'member.update', 'poll.open', 'poll.close'])
		);
		const finalized = events.find((event) => event.action === 'document.status' && (event.details as { to?: string }).to === 'final');
		expect(finalized).toMatchObject({ actor_id: fixture.admin.user.id, actor_name: 'Admin', subject_id: documentId });
		expect(events.find((event) => event.action === 'member.update')).toMatchObject({
			subject_label: 'Bob',
			details: { role: 'moderator' }
		});
		expect(
			events.filter((event) => event.action === 'document.export').map((event) => (event.details as { format: string }).format)
		).toEqual(expect.arrayContaining(['docx', 'pdf', 'md']));

		await expect(
			db.updateTable('audit_events').set({ actor_name: 'Qualcun altro' }).where('table_id', '=', fixture.tableId).execute()
		).rejects.toThrow(/append-only/);
		await expect(db.deleteFrom('audit_events').where('table_id', '=', fixture.tableId).execute()).rejects.toThrow(/append-only/);

		// Coordinators read and filter it on a page; participants may not.
		const page = await coordinator.get(`/tables/${fixture.tableId}/audit?action=poll.open`);
		expect(page.status).toBe(200);
		expect(page.text).toContain('Approviamo il protocollo?');
		expect(page.text).not.toContain('Versione salvata</td>');
		const all = await coordinator.get(`/tables/${fixture.tableId}/audit`);
		expect(all.text).toContain('In revisione → Definitivo');
		expect(all.text).toContain('Ruolo: Moderatore');
		const removal = await coordinator.delete(`/api/v1/tables/${fixture.tableId}/members/${bob.membershipId}`);
		expect(removal.status).toBe(200);
		expect((await coordinator.get(`/tables/${fixture.tableId}/audit?action=member.remove`)).text).toContain('Bob');
		expect((await apiFor(fixture.alice).get(`/tables/${fixture.tableId}/audit`)).status).toBe(403);
	});
});
