import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getSchema } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { ApiClient } from '../support/app.ts';
import {
	connectClient,
	createFixture,
	saved,
	startYjsTestServer,
	synced,
	syncRoundTrip,
	type Client,
	type Fixture,
	type Person,
	type YjsTestServer
} from '../support/yjs-harness.ts';
import { draftExtensions } from '../../src/lib/documents/extensions.ts';
import { newId } from '../../src/lib/server/ids.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Issue 5, points 1–2: draft → in review → final, enforced over HTTP and on /yjs (an editor that
 * is already open turns read-only at once), and numbered, immutable versions with a diff and a
 * restore. Documents are written by stock y-websocket clients, as the browser editor writes them.
 */
const schema = getSchema(draftExtensions());

let server: YjsTestServer;
let fixture: Fixture;
let coordinator: ApiClient;
let participant: ApiClient;
const clients: Client[] = [];

const apiFor = (person: Person) => new ApiClient(server.app.url, { cookie: person.cookie });

function connect(docName: string, person: Person): Client {
	const client = connectClient(server, docName, person);
	clients.push(client);
	return client;
}

const paragraph = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });

/** Replaces the whole draft, as a paste into the editor would. */
function writeDraft(client: Client, blocks: object[]): void {
	const fragment = client.doc.getXmlFragment('default');
	client.doc.transact(() => {
		fragment.delete(0, fragment.length);
		prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content: blocks }, fragment);
	});
}

/** Appends one paragraph, as typing at the end would. */
function appendParagraph(client: Client, text: string): void {
	const element = new Y.XmlElement('paragraph');
	element.insert(0, [new Y.XmlText(text)]);
	client.doc.getXmlFragment('default').push([element]);
}

async function newDocument(title: string): Promise<{ id: string; docName: string }> {
	const response = await coordinator.post(`/api/v1/tables/${fixture.tableId}/documents`, { kind: 'protocol', title });
	expect(response.status).toBe(201);
	return response.body;
}

async function markdownOf(documentId: string, version?: number): Promise<string> {
	const response = await coordinator.get(`/api/v1/documents/${documentId}/export?format=md${version ? `&version=${version}` : ''}`);
	expect(response.status).toBe(200);
	return response.text;
}

beforeAll(async () => {
	server = await startYjsTestServer();
	fixture = await createFixture(server.app);
	coordinator = apiFor(fixture.admin);
	participant = apiFor(fixture.alice);
});

afterAll(async () => {
	for (const client of clients) client.destroy();
	await server?.dispose();
});

describe('document lifecycle', () => {
	it('moves draft → in review → final, refuses participants and skipped steps, and turns open editors read-only', async () => {
		const alice = connect(fixture.documentDoc, fixture.alice);
		await synced(alice);
		writeDraft(alice, [
			{ type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Art. 1 Finalità' }] },
			paragraph('I Comuni aderiscono al protocollo.')
		]);

		const skip = await coordinator.post(`/api/v1/documents/${fixture.documentId}/status`, { status: 'final' });
		expect(skip.status).toBe(409);
		expect(skip.body.error.code).toBe('document_invalid_transition');
		expect(typeof skip.body.error.message).toBe('string');

		const toReview = await coordinator.post(`/api/v1/documents/${fixture.documentId}/status`, { status: 'in_review' });
		expect(toReview.status).toBe(200);
		expect(toReview.body.status).toBe('in_review');
		// In review is still editable: the coordinators' corrections go into the draft.
		expect(alice.readOnly?.readOnly ?? false).toBe(false);

		const refused = await participant.post(`/api/v1/documents/${fixture.documentId}/status`, { status: 'final' });
		expect(refused.status).toBe(403);
		expect(refused.body.error).toEqual({ code: 'forbidden', message: expect.any(String) });

		const bad = await coordinator.post(`/api/v1/documents/${fixture.documentId}/status`, { status: 'published' });
		expect(bad.status).toBe(400);
		expect(bad.body.error.code).toBe('validation_failed');

		// An edit the server holds only in memory when "final" arrives still makes the final version.
		appendParagraph(alice, 'Ultima modifica prima del definitivo.');
		await waitUntil(() => alice.doc.getXmlFragment('default').length === 3, 5000, 'the third paragraph');
		await syncRoundTrip(alice);
		const final = await coordinator.post(`/api/v1/documents/${fixture.documentId}/status`, {
			status: 'final',
			note: 'Approvato dal tavolo'
		});
		expect(final.status).toBe(200);
		expect(final.body.status).toBe('final');

		// The open connection is told at once, with the reason.
		await waitUntil(() => alice.readOnly?.readOnly === true, 5000, 'read-only notice');
		expect(alice.readOnly).toEqual({ readOnly: true, reason: 'final' });

		const versions = await coordinator.get(`/api/v1/documents/${fixture.documentId}/versions`);
		expect(versions.body.versions).toHaveLength(1);
		expect(versions.body.versions[0]).toMatchObject({ number: 1, final: true, note: 'Approvato dal tavolo' });
		const frozen = await coordinator.get(`/api/v1/documents/${fixture.documentId}/versions/1`);
		expect(frozen.body.markdown).toContain('# Art. 1 Finalità');
		expect(frozen.body.markdown).toContain('Ultima modifica prima del definitivo.');
		expect(frozen.body.html).toContain('<h1>Art. 1 Finalità</h1>');

		// Writes from the already-open client are dropped: not stored, not seen by anyone else.
		appendParagraph(alice, 'Questo non deve entrare.');
		await syncRoundTrip(alice);
		await server.app.yjs.flushAll();
		expect(await markdownOf(fixture.documentId)).not.toContain('Questo non deve entrare.');
		const bob = connect(fixture.documentDoc, fixture.bob);
		await synced(bob);
		expect(bob.readOnly).toEqual({ readOnly: true, reason: 'final' });
		expect(bob.doc.getXmlFragment('default').toString()).not.toContain('Questo non deve entrare.');
		expect(bob.doc.getXmlFragment('default').toString()).toContain('Ultima modifica prima del definitivo.');

		// Final is the end of the line: no way back, no more versions.
		const back = await coordinator.post(`/api/v1/documents/${fixture.documentId}/status`, { status: 'draft' });
		expect(back.status).toBe(409);
		expect(back.body.error.code).toBe('document_invalid_transition');
		const more = await coordinator.post(`/api/v1/documents/${fixture.documentId}/versions`, { note: 'altra' });
		expect(more.status).toBe(409);
		expect(more.body.error.code).toBe('document_final');
	});

	it('starts a new, editable draft from the final version', async () => {
		const restored = await coordinator.post(`/api/v1/documents/${fixture.documentId}/versions/1/restore`);
		expect(restored.status).toBe(201);
		expect(restored.body).toMatchObject({
			status: 'draft',
			title: 'Protocollo operativo',
			source: { documentId: fixture.documentId, versionNumber: 1 }
		});
		const alice = connect(restored.body.docName, fixture.alice);
		await synced(alice);
		expect(alice.readOnly?.readOnly ?? false).toBe(false);
		expect(alice.doc.getXmlFragment('default').toString()).toContain('I Comuni aderiscono al protocollo.');
		appendParagraph(alice, 'Art. 2 Nuovo testo.');
		await saved(alice);
		expect(await markdownOf(restored.body.id)).toContain('Art. 2 Nuovo testo.');
		// The final original is untouched.
		expect(await markdownOf(fixture.documentId)).not.toContain('Art. 2 Nuovo testo.');
	});

	it('sends a document in review back to draft', async () => {
		const document = await newDocument('Linee di indirizzo');
		expect((await coordinator.post(`/api/v1/documents/${document.id}/status`, { status: 'in_review' })).status).toBe(200);
		const back = await coordinator.post(`/api/v1/documents/${document.id}/status`, { status: 'draft' });
		expect(back.status).toBe(200);
		expect(back.body.status).toBe('draft');
	});
});

describe('versions', () => {
	it('numbers versions 1, 2, … and keeps each exactly as frozen', async () => {
		const document = await newDocument('Accordo di rete');
		const alice = connect(document.docName, fixture.alice);
		await synced(alice);
		writeDraft(alice, [paragraph('Le parti collaborano con lealtà e trasparenza.')]);
		await saved(alice);

		const first = await coordinator.post(`/api/v1/documents/${document.id}/versions`, { note: 'Prima lettura' });
		expect(first.status).toBe(201);
		expect(first.body).toMatchObject({
			number: 1,
			note: 'Prima lettura',
			final: false,
			createdBy: { id: fixture.admin.user.id, name: 'Admin' }
		});

		writeDraft(alice, [paragraph('Le parti collaborano con efficienza e trasparenza.'), paragraph('Durata: tre anni.')]);
		await saved(alice);
		const second = await coordinator.post(`/api/v1/documents/${document.id}/versions`, {});
		expect(second.status).toBe(201);
		expect(second.body.number).toBe(2);

		const one = await participant.get(`/api/v1/documents/${document.id}/versions/1`);
		expect(one.status).toBe(200);
		expect(one.body.markdown.trim()).toBe('Le parti collaborano con lealtà e trasparenza.');
		const two = await participant.get(`/api/v1/documents/${document.id}/versions/2`);
		expect(two.body.markdown).toContain('Durata: tre anni.');

		// Immutable in the database itself, whoever writes.
		await expect(
			server.app.context.db.updateTable('document_versions').set({ note: 'riscritta' }).where('document_id', '=', document.id).execute()
		).rejects.toThrow(/immutable/);
		await expect(
			server.app.context.db
				.insertInto('document_versions')
				.values({
					id: newId(),
					document_id: document.id,
					number: 2,
					state: Buffer.from([0, 0]),
					html: '',
					markdown: '',
					created_by_name: 'x'
				})
				.execute()
		).rejects.toThrow();
		expect((await participant.get(`/api/v1/documents/${document.id}/versions/1`)).body.note).toBe('Prima lettura');

		const list = await participant.get(`/api/v1/documents/${document.id}/versions`);
		expect(list.body.versions.map((v: { number: number }) => v.number)).toEqual([2, 1]);

		// The diff marks what was inserted and what was deleted.
		const diff = await participant.get(`/api/v1/documents/${document.id}/diff?from=1&to=2`);
		expect(diff.status).toBe(200);
		expect(diff.body.diff.html).toContain('<ins>');
		expect(diff.body.diff.html).toMatch(/<del>[^<]*lealtà[^<]*<\/del>/);
		expect(diff.body.diff.html).toMatch(/<ins>[^<]*efficienza[^<]*<\/ins>/);
		expect(diff.body.diff.html).toMatch(/<ins>[^<]*Durata[^<]*<\/ins>/);
		expect(diff.body.diff.stat.insertions).toBeGreaterThanOrEqual(4);
		expect(diff.body.diff.stat.deletions).toBeGreaterThanOrEqual(1);

		// And against the current draft, including edits not yet committed by the server.
		appendParagraph(alice, 'Foro competente: Bologna.');
		await syncRoundTrip(alice);
		const current = await participant.get(`/api/v1/documents/${document.id}/diff?from=2`);
		expect(current.body.to).toBeNull();
		expect(current.body.diff.html).toMatch(/<ins>[^<]*Bologna[^<]*<\/ins>/);
		const same = await participant.get(`/api/v1/documents/${document.id}/diff?from=2&to=2`);
		expect(same.body.diff.stat).toEqual({ insertions: 0, deletions: 0 });
	});

	it('refuses versions from participants and unknown version numbers', async () => {
		const document = await newDocument('Regolamento');
		const refused = await participant.post(`/api/v1/documents/${document.id}/versions`, { note: 'mia' });
		expect(refused.status).toBe(403);
		expect(refused.body.error.code).toBe('forbidden');

		for (const path of [
			'versions/1',
			'versions/99',
			'versions/abc',
			'versions/0',
			'diff?from=7',
			'diff?from=x',
			'export?format=md&version=5'
		]) {
			const response = await participant.get(`/api/v1/documents/${document.id}/${path}`);
			expect(response.status, path).toBe(404);
			expect(response.body.error).toEqual({ code: 'not_found', message: expect.any(String) });
		}
		const outsider = apiFor(fixture.outsider);
		expect((await outsider.get(`/api/v1/documents/${document.id}/versions`)).status).toBe(403);
		expect((await outsider.post(`/api/v1/documents/${document.id}/status`, { status: 'in_review' })).status).toBe(403);
		expect((await new ApiClient(server.app.url).get(`/api/v1/documents/${document.id}/versions`)).status).toBe(401);
		expect((await coordinator.get(`/api/v1/documents/${newId()}/versions`)).status).toBe(404);
		// Observers read versions but cannot restore them into new drafts.
		await coordinator.post(`/api/v1/documents/${document.id}/versions`, {});
		const observer = apiFor(fixture.olga);
		expect((await observer.get(`/api/v1/documents/${document.id}/versions/1`)).status).toBe(200);
		expect((await observer.post(`/api/v1/documents/${document.id}/versions/1/restore`)).status).toBe(403);
	});
});
