import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getSchema } from '@tiptap/core';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { initProseMirrorDoc, prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
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
import { draftExtensions, draftField } from '../../src/lib/documents/extensions.ts';
import { encodeRange, resolveRange, type EncodedRange } from '../../src/lib/collab/comment-anchors.ts';
import { commentLimits, type CommentThreadView, type DocumentCommentsView } from '../../src/lib/comments/types.ts';
import { countOpenMentions, countOpenThreads } from '../../src/lib/server/comments/queries.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Issue 5, point 3: comments anchored to the text. Threads and replies over the JSON API, with
 * mentions of members, resolve/reopen, and every refusal; the anchors are made and read back as
 * the browser does, on a draft that stock y-websocket clients edit meanwhile.
 */
const schema = getSchema(draftExtensions());

let server: YjsTestServer;
let fixture: Fixture;
let coordinator: ApiClient;
let alice: ApiClient;
let bob: ApiClient;
let olga: ApiClient;
let outsider: ApiClient;
const clients: Client[] = [];

const apiFor = (person: Person) => new ApiClient(server.app.url, { cookie: person.cookie });
const commentsUrl = (documentId = fixture.documentId) => `/api/v1/documents/${documentId}/comments`;

function connect(person: Person): Client {
	const client = connectClient(server, fixture.documentDoc, person);
	clients.push(client);
	return client;
}

function editorOf(doc: Y.Doc) {
	const fragment = doc.getXmlFragment(draftField);
	const { doc: pm, meta } = initProseMirrorDoc(fragment, schema);
	return { pm, fragment, mapping: meta.mapping };
}

function find(pm: ProseMirrorNode, words: string): { from: number; to: number } {
	let found: { from: number; to: number } | null = null;
	pm.descendants((node, pos) => {
		if (found || !node.isText) return !found;
		const index = node.text!.indexOf(words);
		if (index >= 0) found = { from: pos + index, to: pos + index + words.length };
		return false;
	});
	if (!found) throw new Error(`"${words}" is not in the draft`);
	return found;
}

/** An anchor on `words`, as the editor makes it from a selection. */
function anchorOn(doc: Y.Doc, words: string): EncodedRange & { quote: string } {
	const { pm, fragment, mapping } = editorOf(doc);
	const { from, to } = find(pm, words);
	return { ...encodeRange(fragment, mapping, from, to), quote: words };
}

function coveredText(doc: Y.Doc, range: EncodedRange): string | null {
	const { pm, fragment, mapping } = editorOf(doc);
	const resolved = resolveRange(fragment, mapping, range);
	return resolved ? pm.textBetween(resolved.from, resolved.to, '\n') : null;
}

let aliceEditor: Client;
let anchor: EncodedRange & { quote: string };

beforeAll(async () => {
	server = await startYjsTestServer();
	fixture = await createFixture(server.app);
	[coordinator, alice, bob, olga, outsider] = [fixture.admin, fixture.alice, fixture.bob, fixture.olga, fixture.outsider].map(apiFor);
	aliceEditor = connect(fixture.alice);
	await synced(aliceEditor);
	const paragraph = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });
	prosemirrorJSONToYXmlFragment(
		schema,
		{
			type: 'doc',
			content: [paragraph('Art. 1 — Finalità.'), paragraph('Le scuole accolgono gli studenti neoarrivati entro trenta giorni.')]
		},
		aliceEditor.doc.getXmlFragment(draftField)
	);
	anchor = anchorOn(aliceEditor.doc, 'entro trenta giorni');
});

afterAll(async () => {
	for (const client of clients) client.destroy();
	await server?.dispose();
});

describe('document comments', () => {
	let thread: CommentThreadView;

	it('starts a thread on a text range with a mention, and everyone on the table reads it', async () => {
		const created = await alice.post(commentsUrl(), {
			body: '  Trenta giorni sono pochi: @Bob che ne dici?  ',
			anchor,
			mentions: [fixture.bob.user.id]
		});
		expect(created.status).toBe(201);
		thread = created.body;
		expect(thread).toMatchObject({
			authorId: fixture.alice.user.id,
			authorName: 'Alice',
			body: 'Trenta giorni sono pochi: @Bob che ne dici?',
			anchor: { from: anchor.from, to: anchor.to, quote: 'entro trenta giorni' },
			mentions: [{ id: fixture.bob.user.id, name: 'Bob' }],
			resolved: null,
			replies: []
		});

		for (const reader of [coordinator, bob, olga]) {
			const list = await reader.get(commentsUrl());
			expect(list.status).toBe(200);
			const view = list.body as DocumentCommentsView;
			expect(view.threads.map((t) => t.id)).toEqual([thread.id]);
			expect(view.members.map((member) => member.name).sort()).toEqual(['Admin', 'Alice', 'Bob', 'Olga']);
		}
		expect((await olga.get(commentsUrl())).body).toMatchObject({ canComment: false, readOnlyReason: 'observer' });
		expect((await bob.get(commentsUrl())).body).toMatchObject({ canComment: true, readOnlyReason: null });
		expect(await countOpenMentions(server.app.context.db, fixture.bob.user.id)).toBe(1);
		expect(await countOpenMentions(server.app.context.db, fixture.alice.user.id)).toBe(0);
	});

	it('keeps the anchor on the same words while others edit the draft', async () => {
		const bobEditor = connect(fixture.bob);
		await synced(bobEditor);
		await waitUntil(() => bobEditor.doc.getXmlFragment(draftField).length === 2, 5000, 'the draft on Bob’s side');
		const text = (bobEditor.doc.getXmlFragment(draftField).get(1) as Y.XmlElement).get(0) as Y.XmlText;
		text.insert(0, 'Di norma ');
		text.delete(text.toString().indexOf('trenta '), 'trenta '.length);
		text.insert(text.toString().indexOf('giorni'), 'quaranta ');
		await waitUntil(() => aliceEditor.doc.getXmlFragment(draftField).toString().includes('quaranta'), 5000, 'Bob’s edit at Alice');

		const stored = ((await coordinator.get(commentsUrl())).body as DocumentCommentsView).threads[0].anchor;
		expect(coveredText(aliceEditor.doc, stored)).toBe('entro quaranta giorni');
		expect(coveredText(bobEditor.doc, stored)).toBe('entro quaranta giorni');
	});

	it('answers in the thread (an answer to an answer joins it), resolves and reopens', async () => {
		const reply = await coordinator.post(commentsUrl(), {
			body: 'Proponiamo quaranta.',
			parentId: thread.id,
			mentions: [fixture.alice.user.id]
		});
		expect(reply.status).toBe(201);
		expect(reply.body.id).toBe(thread.id);
		expect(reply.body.replies).toHaveLength(1);
		const nested = await bob.post(commentsUrl(), { body: 'D’accordo.', parentId: reply.body.replies[0].id });
		expect(nested.status).toBe(201);
		expect(nested.body.replies.map((r: { body: string }) => r.body)).toEqual(['Proponiamo quaranta.', 'D’accordo.']);
		expect(nested.body.replies[0].mentions).toEqual([{ id: fixture.alice.user.id, name: 'Alice' }]);

		const resolved = await coordinator.post(`${commentsUrl()}/${thread.id}/resolve`);
		expect(resolved.status).toBe(200);
		expect(resolved.body.resolved).toMatchObject({ by: { id: fixture.admin.user.id, name: 'Admin' } });
		expect(await countOpenThreads(server.app.context.db, [fixture.documentId])).toEqual(new Map());
		expect(await countOpenMentions(server.app.context.db, fixture.bob.user.id)).toBe(0);
		// Resolving twice changes nothing; a reply is not a thread.
		expect((await alice.post(`${commentsUrl()}/${thread.id}/resolve`)).body.resolved.by.name).toBe('Admin');
		expect((await alice.post(`${commentsUrl()}/${reply.body.replies[0].id}/resolve`)).status).toBe(404);
		expect((await alice.post(`${commentsUrl()}/sconosciuto/resolve`)).status).toBe(404);

		const reopened = await alice.post(`${commentsUrl()}/${thread.id}/reopen`);
		expect(reopened.status).toBe(200);
		expect(reopened.body.resolved).toBeNull();
		expect(await countOpenThreads(server.app.context.db, [fixture.documentId])).toEqual(new Map([[fixture.documentId, 1]]));
	});

	it('refuses empty or over-long bodies, a missing anchor, an unknown parent, a mention of a non-member', async () => {
		const refusals: Array<[unknown, string]> = [
			[{ body: '   ', anchor }, 'body'],
			[{ body: 'x'.repeat(commentLimits.body + 1), anchor }, 'body'],
			[{ body: 'Senza ancora' }, 'anchor'],
			[{ body: 'Ancora illeggibile', anchor: { from: '@@', to: anchor.to, quote: '' } }, 'anchor.from'],
			[{ body: 'Risposta', parentId: 'non-esiste' }, 'parentId'],
			[{ body: 'Ciao @Esterno', anchor, mentions: [fixture.outsider.user.id] }, 'mentions']
		];
		for (const [body, field] of refusals) {
			const response = await alice.post(commentsUrl(), body);
			expect(response.status, field).toBe(400);
			expect(response.body.error.code).toBe('validation_failed');
			expect(Object.keys(response.body.error.fields)).toContain(field);
			expect(typeof response.body.error.message).toBe('string');
		}
	});

	it('refuses observers (403), outsiders (403), unknown documents (404) and anonymous callers (401)', async () => {
		const observer = await olga.post(commentsUrl(), { body: 'Posso?', anchor });
		expect(observer.status).toBe(403);
		expect(observer.body.error.code).toBe('forbidden');
		expect((await olga.post(`${commentsUrl()}/${thread.id}/resolve`)).status).toBe(403);
		expect((await outsider.get(commentsUrl())).status).toBe(403);
		expect((await outsider.post(commentsUrl(), { body: 'Ciao', anchor })).status).toBe(403);
		const unknown = await alice.get(commentsUrl('sconosciuto'));
		expect(unknown.status).toBe(404);
		expect(unknown.body.error.code).toBe('not_found');
		expect((await alice.post(commentsUrl('sconosciuto'), { body: 'Ciao', anchor })).status).toBe(404);
		expect((await new ApiClient(server.app.url).get(commentsUrl())).status).toBe(401);
	});

	it('on a final document, comments are read but no longer written, resolved or reopened (409)', async () => {
		expect((await coordinator.post(`/api/v1/documents/${fixture.documentId}/status`, { status: 'in_review' })).status).toBe(200);
		expect((await alice.post(commentsUrl(), { body: 'In revisione si commenta ancora.', anchor })).status).toBe(201);
		// The coordinators' review dashboard counts the open threads of a document in review.
		const open = (await alice.get(commentsUrl())).body.threads.filter((t: { resolved: unknown }) => !t.resolved).length;
		expect(open).toBeGreaterThan(0);
		expect((await coordinator.get('/review')).text).toContain(`Commenti aperti: ${open}`);
		expect((await coordinator.post(`/api/v1/documents/${fixture.documentId}/status`, { status: 'final' })).status).toBe(200);

		const refused = await alice.post(commentsUrl(), { body: 'Troppo tardi', anchor });
		expect(refused.status).toBe(409);
		expect(refused.body.error.code).toBe('document_final');
		expect((await coordinator.post(commentsUrl(), { body: 'Anche per me', parentId: thread.id })).status).toBe(409);
		expect((await coordinator.post(`${commentsUrl()}/${thread.id}/resolve`)).status).toBe(409);
		const list = await bob.get(commentsUrl());
		expect(list.status).toBe(200);
		expect(list.body).toMatchObject({ canComment: false, readOnlyReason: 'final' });
		expect(list.body.threads).toHaveLength(2);
	});
});
