import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getSchema } from '@tiptap/core';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { initProseMirrorDoc, prosemirrorJSONToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import { ApiClient } from '../support/app.ts';
import {
	connectClient,
	createFixture,
	saved,
	startYjsTestServer,
	synced,
	type Client,
	type Fixture,
	type Person,
	type YjsTestServer
} from '../support/yjs-harness.ts';
import { waitUntil } from '../support/wait-until.ts';
import { draftExtensions, draftField } from '../../src/lib/documents/extensions.ts';
import { encodeRange } from '../../src/lib/collab/comment-anchors.ts';
import { amendmentLimits } from '../../src/lib/domain/amendments.ts';
import type { AmendmentView, DocumentAmendmentsView } from '../../src/lib/amendments/types.ts';

/**
 * Issue 15, item 4: amendments. A participant proposes to replace a passage of a draft (anchored
 * as the editor anchors a comment, on a draft that stock y-websocket clients write); a moderator
 * puts it to a yes/no vote; when the vote closes the table's decision reaches the live text of
 * every connected client as one update and the next frozen version, or is kept on record as
 * rejected, or as superseded when the passage changed meanwhile. Every refusal changes nothing.
 */
const schema = getSchema(draftExtensions());

let server: YjsTestServer;
let fixture: Fixture;
let coordinator: ApiClient;
let alice: ApiClient;
let bob: ApiClient;
let olga: ApiClient;
let outsider: ApiClient;
let meetingId: string;
let aliceEditor: Client;
let bobEditor: Client;
const clients: Client[] = [];

const apiFor = (person: Person) => new ApiClient(server.app.url, { cookie: person.cookie });
const amendmentsUrl = (documentId = fixture.documentId) => `/api/v1/documents/${documentId}/amendments`;

function connect(person: Person, docName = fixture.documentDoc): Client {
	const client = connectClient(server, docName, person);
	clients.push(client);
	return client;
}

/** The draft as plain text, one paragraph a line, as a client holds it now. */
function textOf(client: Client): string {
	const pm = yXmlFragmentToProseMirrorRootNode(client.doc.getXmlFragment(draftField), schema);
	return pm.textBetween(0, pm.content.size, '\n');
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

/** An anchor on `words`, as the editor makes it from a selection (comment-highlights.ts anchorOfSelection). */
function anchorOn(client: Client, words: string): { from: string; to: string; quote: string } {
	const fragment = client.doc.getXmlFragment(draftField);
	const { doc: pm, meta } = initProseMirrorDoc(fragment, schema);
	const { from, to } = find(pm, words);
	return { ...encodeRange(fragment, meta.mapping, from, to), quote: words };
}

/** The Y.XmlText of the paragraph holding `words`, to edit it as another editor would. */
function paragraphText(client: Client, words: string): Y.XmlText {
	for (const block of client.doc.getXmlFragment(draftField).toArray()) {
		const text = (block as Y.XmlElement).get(0);
		if (text instanceof Y.XmlText && text.toString().includes(words)) return text;
	}
	throw new Error(`no paragraph holds "${words}"`);
}

async function list(client: ApiClient = alice): Promise<DocumentAmendmentsView> {
	const answer = await client.get(amendmentsUrl());
	expect(answer.status).toBe(200);
	return answer.body;
}

async function propose(words: string, replacement: string, reason?: string): Promise<AmendmentView> {
	const created = await alice.post(amendmentsUrl(), { anchor: anchorOn(aliceEditor, words), replacement, reason });
	expect(created.status, created.text).toBe(201);
	return created.body;
}

/** Puts the amendment to the vote in the meeting, opens the poll, casts `choices`, closes it. */
async function vote(amendmentId: string, choices: Array<[ApiClient, 'yes' | 'no' | 'abstain']>): Promise<string> {
	const poll = await coordinator.post(`/api/v1/amendments/${amendmentId}/poll`, { meetingId });
	expect(poll.status, poll.text).toBe(201);
	expect((await coordinator.post(`/api/v1/polls/${poll.body.id}/open`)).status).toBe(200);
	for (const [voter, choice] of choices)
		expect((await voter.post(`/api/v1/polls/${poll.body.id}/vote`, { choice })).status).toBeLessThan(300);
	expect((await coordinator.post(`/api/v1/polls/${poll.body.id}/close`)).status).toBe(200);
	return poll.body.id;
}

const amendment = async (id: string) => (await list()).amendments.find((candidate) => candidate.id === id)!;

const initialText = [
	'Art. 1 — Finalità.',
	'Le scuole accolgono gli studenti neoarrivati entro trenta giorni.',
	'I Comuni aderiscono al protocollo entro marzo.',
	'Il tavolo si riunisce ogni due mesi.'
];

beforeAll(async () => {
	server = await startYjsTestServer();
	fixture = await createFixture(server.app);
	[coordinator, alice, bob, olga, outsider] = [fixture.admin, fixture.alice, fixture.bob, fixture.olga, fixture.outsider].map(apiFor);
	meetingId = fixture.agendaDoc.slice('agenda:'.length);
	expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).status).toBe(200);
	aliceEditor = connect(fixture.alice);
	bobEditor = connect(fixture.bob);
	await Promise.all([synced(aliceEditor), synced(bobEditor)]);
	prosemirrorJSONToYXmlFragment(
		schema,
		{ type: 'doc', content: initialText.map((text) => ({ type: 'paragraph', content: [{ type: 'text', text }] })) },
		aliceEditor.doc.getXmlFragment(draftField)
	);
	await saved(aliceEditor);
	await waitUntil(() => textOf(bobEditor) === initialText.join('\n'), 10_000, "Alice's draft at Bob's");
});

afterAll(async () => {
	for (const client of clients) client.destroy();
	await server?.dispose();
});

describe('amendments', () => {
	it('refuses a proposal that is forged, out of bounds or not a member’s, and a quote that is not the text; nothing changes', async () => {
		const anchor = anchorOn(aliceEditor, 'entro trenta giorni');
		const body = { anchor, replacement: 'entro quindici giorni' };
		const refusals: Array<[ApiClient, unknown, number, string]> = [
			[outsider, body, 403, 'forbidden'],
			[olga, body, 403, 'forbidden'],
			[alice, { ...body, anchor: { ...anchor, quote: 'entro venti giorni' } }, 409, 'amendment_quote_mismatch'],
			[alice, { ...body, anchor: { ...anchor, from: 12345 } }, 400, 'validation_failed'],
			[alice, { ...body, anchor: { ...anchor, to: '<script>' } }, 400, 'validation_failed'],
			[alice, { ...body, anchor: { ...anchor, quote: '' } }, 400, 'validation_failed'],
			[alice, { anchor }, 400, 'validation_failed'],
			[alice, { ...body, replacement: 'x'.repeat(amendmentLimits.replacement + 1) }, 400, 'validation_failed'],
			[alice, { ...body, reason: 'x'.repeat(amendmentLimits.reason + 1) }, 400, 'validation_failed'],
			[alice, { ...body, replacement: 'entro trenta giorni' }, 400, 'validation_failed'],
			[alice, { ...body, replacement: 'entro\u0000 quindici' }, 400, 'validation_failed']
		];
		for (const [client, payload, status, code] of refusals) {
			const refused = await client.post(amendmentsUrl(), payload);
			expect(refused.status, JSON.stringify(payload).slice(0, 120)).toBe(status);
			expect(refused.body.error).toMatchObject({ code, message: expect.any(String) });
		}
		const mismatch = await alice.post(amendmentsUrl(), { ...body, anchor: { ...anchor, quote: 'entro venti giorni' } });
		expect(mismatch.body.error.message).toMatch(/passaggio/i);
		expect(mismatch.body.error.currentText).toBe('entro trenta giorni');
		// An anchor taken in another document's text points at nothing here.
		const other = await coordinator.post(`/api/v1/tables/${fixture.tableId}/documents`, { kind: 'protocol', title: 'Altro testo' });
		const otherEditor = connect(fixture.alice, other.body.docName);
		await synced(otherEditor);
		otherEditor.doc.getXmlFragment(draftField).push([new Y.XmlElement('paragraph')]);
		(otherEditor.doc.getXmlFragment(draftField).get(0) as Y.XmlElement).insert(0, [new Y.XmlText('entro trenta giorni')]);
		await saved(otherEditor);
		const elsewhere = await alice.post(amendmentsUrl(), { ...body, anchor: anchorOn(otherEditor, 'entro trenta giorni') });
		expect(elsewhere.status).toBe(409);
		expect(elsewhere.body.error.code).toBe('amendment_quote_mismatch');
		expect((await alice.get(amendmentsUrl('nonexistent'))).status).toBe(404);
		expect((await outsider.get(amendmentsUrl())).status).toBe(403);

		expect((await list()).amendments).toEqual([]);
		expect(textOf(aliceEditor)).toBe(initialText.join('\n'));
	});

	it('records a proposal anchored to the passage, ignoring what the payload cannot set; every member reads it', async () => {
		const created = await alice.post(amendmentsUrl(), {
			anchor: { ...anchorOn(aliceEditor, 'entro trenta giorni'), quote: '  entro trenta giorni ' },
			replacement: '  entro quindici giorni ',
			reason: 'Trenta giorni sono troppi per una famiglia appena arrivata.',
			status: 'accepted',
			number: 42,
			proposer: { id: fixture.bob.user.id, name: 'Bob' }
		});
		expect(created.status, created.text).toBe(201);
		expect(created.body).toMatchObject({
			documentId: fixture.documentId,
			number: 1,
			status: 'proposed',
			anchor: { quote: 'entro trenta giorni' },
			replacement: 'entro quindici giorni',
			reason: 'Trenta giorni sono troppi per una famiglia appena arrivata.',
			proposer: { id: fixture.alice.user.id, name: 'Alice' },
			poll: null
		});
		const seen = await list(olga);
		expect(seen).toMatchObject({ canPropose: false, canManage: false, readOnlyReason: 'observer' });
		expect(seen.amendments.map((a) => a.id)).toEqual([created.body.id]);
		expect(await list(coordinator)).toMatchObject({ canPropose: true, canManage: true });
		expect(await list(alice)).toMatchObject({ canPropose: true, canManage: false });
		expect(textOf(aliceEditor)).toBe(initialText.join('\n'));
	});

	it('accepted: the text changes exactly in the passage, as one update for every connected client, and in the next version', async () => {
		const [proposed] = (await list()).amendments;
		// Only moderators and coordinators put an amendment to the vote, in a meeting of this table.
		expect((await alice.post(`/api/v1/amendments/${proposed.id}/poll`, { meetingId })).status).toBe(403);
		expect((await olga.post(`/api/v1/amendments/${proposed.id}/poll`, { meetingId })).status).toBe(403);
		expect((await outsider.post(`/api/v1/amendments/${proposed.id}/poll`, { meetingId })).status).toBe(403);
		expect((await coordinator.post(`/api/v1/amendments/nonexistent/poll`, { meetingId })).status).toBe(404);
		const otherTable = await coordinator.post('/api/v1/tables', { name: 'Altro tavolo', territory: 'Montagna' });
		const elsewhere = await coordinator.post(`/api/v1/tables/${otherTable.body.id}/meetings`, {
			title: 'Altrove',
			startsAt: '2027-03-02T15:00:00+01:00',
			endsAt: '2027-03-02T17:00:00+01:00'
		});
		const wrongMeeting = await coordinator.post(`/api/v1/amendments/${proposed.id}/poll`, { meetingId: elsewhere.body.id });
		expect(wrongMeeting.status).toBe(400);
		expect((await amendment(proposed.id)).status).toBe('proposed');

		const received: Uint8Array[] = [];
		bobEditor.doc.on('update', (update: Uint8Array, origin: unknown) => {
			if (origin === bobEditor.provider) received.push(update);
		});
		const poll = await coordinator.post(`/api/v1/amendments/${proposed.id}/poll`, { meetingId });
		expect(poll.status, poll.text).toBe(201);
		expect(poll.body).toMatchObject({
			meetingId,
			kind: 'yesno',
			status: 'draft',
			question: 'Emendamento n. 1 a «Protocollo operativo»: sostituire «entro trenta giorni» con «entro quindici giorni»'
		});
		expect((await coordinator.post(`/api/v1/amendments/${proposed.id}/poll`, { meetingId })).body.error.code).toBe('amendment_decided');
		expect((await amendment(proposed.id)).status).toBe('voting');
		expect((await coordinator.post(`/api/v1/polls/${poll.body.id}/open`)).status).toBe(200);
		for (const voter of [alice, bob, coordinator])
			expect((await voter.post(`/api/v1/polls/${poll.body.id}/vote`, { choice: 'yes' })).status).toBeLessThan(300);
		// An observer has no vote.
		expect((await olga.post(`/api/v1/polls/${poll.body.id}/vote`, { choice: 'no' })).status).toBe(403);
		expect(textOf(bobEditor)).toBe(initialText.join('\n'));
		expect((await coordinator.post(`/api/v1/polls/${poll.body.id}/close`)).status).toBe(200);

		const expected = [initialText[0], 'Le scuole accolgono gli studenti neoarrivati entro quindici giorni.', ...initialText.slice(2)].join(
			'\n'
		);
		for (const client of [aliceEditor, bobEditor])
			await waitUntil(
				() => textOf(client) === expected,
				15_000,
				'the amended text',
				() => textOf(client)
			);
		expect(received).toHaveLength(1);
		expect(await amendment(proposed.id)).toMatchObject({
			status: 'accepted',
			decidedAt: expect.any(String),
			poll: { id: poll.body.id, meetingId, status: 'closed', outcome: { yes: 3, no: 0, abstain: 0, passed: true } }
		});
		// A late joiner reads it from the server too.
		const late = connect(fixture.olga);
		await synced(late);
		await waitUntil(() => textOf(late) === expected, 10_000, 'the amended text for a late reader');

		const version = await coordinator.post(`/api/v1/documents/${fixture.documentId}/versions`, { note: 'Dopo gli emendamenti' });
		expect(version.status).toBe(201);
		const frozen = await coordinator.get(`/api/v1/documents/${fixture.documentId}/versions/${version.body.number}`);
		expect(frozen.body.markdown).toContain('entro quindici giorni.');
		expect(frozen.body.markdown).not.toContain('trenta');
		// Decided: no second vote, no withdrawal.
		expect((await coordinator.post(`/api/v1/amendments/${proposed.id}/poll`, { meetingId })).status).toBe(409);
		expect((await coordinator.post(`/api/v1/amendments/${proposed.id}/withdraw`)).status).toBe(409);
	});

	it('rejected: the text stays as it was and the amendment is kept with its outcome', async () => {
		const proposed = await propose('Finalità', 'Obiettivi');
		const before = textOf(bobEditor);
		const pollId = await vote(proposed.id, [
			[alice, 'yes'],
			[bob, 'no'],
			[coordinator, 'no']
		]);
		expect(await amendment(proposed.id)).toMatchObject({
			number: 2,
			status: 'rejected',
			replacement: 'Obiettivi',
			poll: { id: pollId, status: 'closed', outcome: { yes: 1, no: 2, abstain: 0, passed: false } }
		});
		await saved(aliceEditor);
		expect(textOf(bobEditor)).toBe(before);
		expect(textOf(aliceEditor)).toBe(before);
		expect(before).toContain('Art. 1 — Finalità.');
	});

	it('superseded: a passage edited after the proposal is not applied, whatever the vote; the moderator withdraws it', async () => {
		const proposed = await propose('entro marzo', 'entro aprile');
		const poll = await coordinator.post(`/api/v1/amendments/${proposed.id}/poll`, { meetingId });
		expect(poll.status).toBe(201);
		// Bob edits the passage while the table votes.
		const text = paragraphText(bobEditor, 'entro marzo');
		text.insert(text.toString().indexOf('marzo'), 'fine ');
		await saved(bobEditor);
		expect((await coordinator.post(`/api/v1/polls/${poll.body.id}/open`)).status).toBe(200);
		for (const voter of [alice, bob])
			expect((await voter.post(`/api/v1/polls/${poll.body.id}/vote`, { choice: 'yes' })).status).toBeLessThan(300);
		expect((await coordinator.post(`/api/v1/polls/${poll.body.id}/close`)).status).toBe(200);

		expect(await amendment(proposed.id)).toMatchObject({ status: 'superseded', poll: { outcome: { passed: true } } });
		await waitUntil(() => textOf(aliceEditor).includes('entro fine marzo'), 10_000, "Bob's edit at Alice's");
		expect(textOf(aliceEditor)).not.toContain('aprile');
		expect(textOf(bobEditor)).not.toContain('aprile');

		// Only its proposer or a moderator withdraws it; it stays on record.
		expect((await bob.post(`/api/v1/amendments/${proposed.id}/withdraw`)).status).toBe(403);
		const withdrawn = await coordinator.post(`/api/v1/amendments/${proposed.id}/withdraw`);
		expect(withdrawn.status).toBe(200);
		expect(withdrawn.body.status).toBe('withdrawn');
		expect((await coordinator.post(`/api/v1/amendments/${proposed.id}/withdraw`)).status).toBe(409);
	});

	it('superseded before the vote: a changed passage is refused a poll (409) and marked superseded', async () => {
		const proposed = await propose('ogni due mesi', 'ogni mese');
		const text = paragraphText(bobEditor, 'ogni due mesi');
		text.delete(text.toString().indexOf('due '), 'due '.length);
		await saved(bobEditor);
		const refused = await coordinator.post(`/api/v1/amendments/${proposed.id}/poll`, { meetingId });
		expect(refused.status).toBe(409);
		expect(refused.body.error).toMatchObject({ code: 'amendment_superseded', currentText: 'ogni mesi' });
		expect((await amendment(proposed.id)).status).toBe('superseded');
		const polls = (await coordinator.get(`/api/v1/meetings/${meetingId}/polls`)).body.polls as Array<{ poll: { question: string } }>;
		expect(polls.some((p) => p.poll.question.includes('ogni mese'))).toBe(false);
		// Its proposer may withdraw it too.
		expect((await alice.post(`/api/v1/amendments/${proposed.id}/withdraw`)).body.status).toBe('withdrawn');
	});

	it('lists the amendments voted in the meeting, with their outcome, in the minutes', async () => {
		expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'closed' })).status).toBe(200);
		const minutes = await waitUntil(
			async () => {
				const answer = await coordinator.get(`/api/v1/meetings/${meetingId}/minutes`);
				return answer.status === 200 ? (answer.body as { documentId: string }) : null;
			},
			15_000,
			'the minutes'
		);
		const markdown = (await coordinator.get(`/api/v1/documents/${minutes.documentId}/export?format=md`)).text;
		expect(markdown).toContain('Emendamenti');
		expect(markdown).toContain('emendamento n. 1: sostituire «entro trenta giorni» con «entro quindici giorni»');
		expect(markdown).toMatch(/Approvata e applicata al testo \(favorevoli 3, contrari 0, astenuti 0\); proposto da Alice/);
		expect(markdown).toMatch(/emendamento n\. 2: sostituire «Finalità» con «Obiettivi»\*\* — Respinta \(favorevoli 1, contrari 2/);
		expect(markdown).toMatch(/emendamento n\. 3: sostituire «entro marzo» con «entro aprile»\*\* — Ritirata/);
	});
});
