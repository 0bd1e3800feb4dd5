import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ApiClient } from '../support/app.ts';
import {
	addTableMember,
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

/**
 * Issue 15, item 3: approval bound to the text. An approval poll is opened from a frozen version
 * and records its SHA-256; finalizing with it is refused for a poll of another document or
 * version, and after an edit made once the vote was taken (through a stock y-websocket client, as
 * the browser editor writes), with a link to what changed; otherwise the final version records
 * the poll, its outcome and counts, and the hash of the text voted on.
 */
let server: YjsTestServer;
let fixture: Fixture;
let coordinator: ApiClient;
let secondCoordinator: ApiClient;
let participant: ApiClient;
let meetingId: string;
const clients: Client[] = [];

const apiFor = (person: Person) => new ApiClient(server.app.url, { cookie: person.cookie });

function paragraphElement(text: string): Y.XmlElement {
	const element = new Y.XmlElement('paragraph');
	element.insert(0, [new Y.XmlText(text)]);
	return element;
}

/** A new document whose draft Alice wrote through /yjs, sent to review, with version 1 frozen. */
async function reviewedDocument(title: string): Promise<{ id: string; alice: Client }> {
	const created = await coordinator.post(`/api/v1/tables/${fixture.tableId}/documents`, { kind: 'protocol', title });
	expect(created.status).toBe(201);
	const alice = connectClient(server, created.body.docName, fixture.alice);
	clients.push(alice);
	await synced(alice);
	alice.doc.getXmlFragment('default').push([paragraphElement(`${title}: art. 1.`), paragraphElement('I Comuni aderiscono.')]);
	await saved(alice);
	expect((await coordinator.post(`/api/v1/documents/${created.body.id}/status`, { status: 'in_review' })).status).toBe(200);
	expect((await coordinator.post(`/api/v1/documents/${created.body.id}/versions`, { note: 'Per il voto' })).status).toBe(201);
	return { id: created.body.id, alice };
}

/** An approval poll of version `number`, opened, voted by the coordinator and Alice, closed. */
async function votedApproval(documentId: string, number: number, choice: 'yes' | 'no' = 'yes'): Promise<string> {
	const created = await coordinator.post(`/api/v1/documents/${documentId}/versions/${number}/approval-poll`, { meetingId });
	expect(created.status).toBe(201);
	const pollId = created.body.id as string;
	expect((await coordinator.post(`/api/v1/polls/${pollId}/open`)).status).toBe(200);
	for (const voter of [coordinator, participant]) {
		expect((await voter.post(`/api/v1/polls/${pollId}/vote`, { choice })).status).toBeLessThan(300);
	}
	expect((await coordinator.post(`/api/v1/polls/${pollId}/close`)).status).toBe(200);
	return pollId;
}

const finalize = (client: ApiClient, documentId: string, approvalPollId?: string) =>
	client.post(`/api/v1/documents/${documentId}/status`, { status: 'final', note: 'Approvato', approvalPollId });

beforeAll(async () => {
	server = await startYjsTestServer();
	fixture = await createFixture(server.app);
	coordinator = apiFor(fixture.admin);
	participant = apiFor(fixture.alice);
	secondCoordinator = apiFor(await addTableMember(server.app, fixture.tableId, 'Carla', 'coordinator'));
	const meeting = await coordinator.post(`/api/v1/tables/${fixture.tableId}/meetings`, {
		title: 'Incontro di approvazione',
		startsAt: '2027-03-01T15:00:00+01:00',
		endsAt: '2027-03-01T17:00:00+01:00'
	});
	meetingId = meeting.body.id;
	expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).status).toBe(200);
});

afterAll(async () => {
	for (const client of clients) client.destroy();
	await server?.dispose();
});

describe('approval bound to the text', () => {
	it('opens a yes/no poll in the room from a version, recording the version and its SHA-256; coordinators only', async () => {
		const { id } = await reviewedDocument('Protocollo scuole');
		const [version] = (await coordinator.get(`/api/v1/documents/${id}/versions`)).body.versions;
		const created = await coordinator.post(`/api/v1/documents/${id}/versions/1/approval-poll`, { meetingId });
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({
			meetingId,
			kind: 'yesno',
			status: 'draft',
			question: 'Approvazione del testo «Protocollo scuole» (versione 1)',
			approval: { documentId: id, versionNumber: 1, contentSha256: version.contentSha256 }
		});
		expect(version.contentSha256).toMatch(/^[0-9a-f]{64}$/);
		// The room lists it like any other poll.
		const polls = (await coordinator.get(`/api/v1/meetings/${meetingId}/polls`)).body.polls;
		expect(polls.map((p: { poll: { id: string } }) => p.poll.id)).toContain(created.body.id);

		const refused = await participant.post(`/api/v1/documents/${id}/versions/1/approval-poll`, { meetingId });
		expect(refused.status).toBe(403);
		expect(refused.body.error).toEqual({ code: 'forbidden', message: expect.any(String) });
		expect((await coordinator.post(`/api/v1/documents/${id}/versions/9/approval-poll`, { meetingId })).status).toBe(404);
		const otherTable = await coordinator.post('/api/v1/tables', { name: 'Altro tavolo', territory: 'Montagna' });
		const elsewhere = await coordinator.post(`/api/v1/tables/${otherTable.body.id}/meetings`, {
			title: 'Altrove',
			startsAt: '2027-03-02T15:00:00+01:00',
			endsAt: '2027-03-02T17:00:00+01:00'
		});
		const wrongMeeting = await coordinator.post(`/api/v1/documents/${id}/versions/1/approval-poll`, { meetingId: elsewhere.body.id });
		expect(wrongMeeting.status).toBe(400);
		expect(wrongMeeting.body.error.fields.meetingId).toEqual(expect.any(String));
		const after = (await coordinator.get(`/api/v1/meetings/${meetingId}/polls`)).body.polls;
		expect(after).toHaveLength(polls.length);
	});

	it('finalizes with the poll of this version while the text is the one voted, recording poll, outcome, counts and hash', async () => {
		const { id, alice } = await reviewedDocument('Protocollo trasporti');
		const pollId = await votedApproval(id, 1);
		const voted = (await coordinator.get(`/api/v1/documents/${id}/versions/1`)).body;

		const final = await finalize(coordinator, id, pollId);
		expect(final.status).toBe(200);
		expect(final.body.status).toBe('final');
		const [last] = (await coordinator.get(`/api/v1/documents/${id}/versions`)).body.versions;
		expect(last).toMatchObject({
			number: 2,
			final: true,
			contentSha256: voted.contentSha256,
			approval: { pollId, versionNumber: 1, contentSha256: voted.contentSha256, yes: 2, no: 0, abstain: 0, passed: true }
		});
		await waitUntil(() => alice.readOnly?.readOnly === true, 5000, 'read-only after final');
		// The document page says which text was approved.
		const page = await coordinator.get(`/documents/${id}`);
		expect(page.text).toContain(`Testo approvato: versione 1, impronta SHA-256 ${voted.contentSha256}`);
	});

	it('refuses after an edit made once the vote was taken, linking the diff, and accepts once the text is back', async () => {
		const { id, alice } = await reviewedDocument('Accordo mense');
		const pollId = await votedApproval(id, 1);
		const fragment = alice.doc.getXmlFragment('default');
		fragment.push([paragraphElement('Emendamento dopo il voto.')]);
		await saved(alice);

		const refused = await finalize(coordinator, id, pollId);
		expect(refused.status).toBe(409);
		expect(refused.body.error).toMatchObject({
			code: 'approval_text_changed',
			message: expect.any(String),
			votedVersion: 1,
			diffUrl: `/api/v1/documents/${id}/diff?from=1&to=current`
		});
		const diff = await coordinator.get(refused.body.error.diffUrl);
		expect(diff.status).toBe(200);
		expect(diff.body.diff.html).toContain('<ins>');
		expect(diff.body.diff.html).toContain('Emendamento dopo il voto.');
		// Nothing changed: still in review, no final version, the editor still writable.
		expect((await coordinator.get(`/api/v1/documents/${id}`)).body.status).toBe('in_review');
		expect((await coordinator.get(`/api/v1/documents/${id}/versions`)).body.versions).toHaveLength(1);
		expect(alice.readOnly?.readOnly ?? false).toBe(false);

		// The same text again (the amendment removed): the hash is the voted one's and it passes.
		fragment.delete(fragment.length - 1, 1);
		await saved(alice);
		const accepted = await finalize(coordinator, id, pollId);
		expect(accepted.status).toBe(200);
	});

	it('refuses a poll of another document, of a replaced version, a plain yes/no poll, an open or a rejected one', async () => {
		const first = await reviewedDocument('Linee guida A');
		const second = await reviewedDocument('Linee guida B');
		const firstPoll = await votedApproval(first.id, 1);

		const otherDocument = await finalize(coordinator, second.id, firstPoll);
		expect(otherDocument.status).toBe(409);
		expect(otherDocument.body.error.code).toBe('approval_poll_mismatch');

		const plain = await coordinator.post(`/api/v1/meetings/${meetingId}/polls`, {
			question: 'Approviamo?',
			kind: 'yesno',
			anonymous: false,
			resultsVisible: 'live'
		});
		await coordinator.post(`/api/v1/polls/${plain.body.id}/open`);
		await coordinator.post(`/api/v1/polls/${plain.body.id}/vote`, { choice: 'yes' });
		await coordinator.post(`/api/v1/polls/${plain.body.id}/close`);
		const loose = await finalize(coordinator, second.id, plain.body.id);
		expect(loose.status).toBe(409);
		expect(loose.body.error.code).toBe('approval_poll_mismatch');

		// Version 2 of the first document replaces the voted text: the poll of version 1 is not its approval.
		first.alice.doc.getXmlFragment('default').push([paragraphElement('Nuovo articolo.')]);
		await saved(first.alice);
		expect((await coordinator.post(`/api/v1/documents/${first.id}/versions`, { note: 'v2' })).status).toBe(201);
		const replaced = await finalize(coordinator, first.id, firstPoll);
		expect(replaced.status).toBe(409);
		expect(replaced.body.error.code).toBe('approval_poll_mismatch');

		const open = (await coordinator.post(`/api/v1/documents/${first.id}/versions/2/approval-poll`, { meetingId })).body.id;
		await coordinator.post(`/api/v1/polls/${open}/open`);
		const stillOpen = await finalize(coordinator, first.id, open);
		expect(stillOpen.status).toBe(409);
		expect(stillOpen.body.error.code).toBe('poll_not_closed');
		await coordinator.post(`/api/v1/polls/${open}/close`);

		const rejected = await votedApproval(first.id, 2, 'no');
		const notPassed = await finalize(coordinator, first.id, rejected);
		expect(notPassed.status).toBe(409);
		expect(notPassed.body.error.code).toBe('approval_not_passed');

		for (const document of [first, second]) {
			expect((await coordinator.get(`/api/v1/documents/${document.id}`)).body.status).toBe('in_review');
			const versions = (await coordinator.get(`/api/v1/documents/${document.id}/versions`)).body.versions;
			expect(versions.some((v: { final: boolean }) => v.final)).toBe(false);
		}

		// The poll of version 2, passed: accepted.
		const approved = await votedApproval(first.id, 2);
		expect((await finalize(coordinator, first.id, approved)).status).toBe(200);
	});

	it('two coordinators finalizing at once: one final version, the other refused', async () => {
		const { id } = await reviewedDocument('Regolamento del tavolo');
		const pollId = await votedApproval(id, 1);
		const answers = await Promise.all([finalize(coordinator, id, pollId), finalize(secondCoordinator, id, pollId)]);
		expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
		expect(answers.find((a) => a.status === 409)!.body.error.code).toBe('document_invalid_transition');
		const versions = (await coordinator.get(`/api/v1/documents/${id}/versions`)).body.versions;
		expect(versions.filter((v: { final: boolean }) => v.final)).toHaveLength(1);
		expect((await coordinator.get(`/api/v1/documents/${id}`)).body.status).toBe('final');
	});

	it('still finalizes without a poll, as coordinators could before', async () => {
		const { id } = await reviewedDocument('Nota informativa');
		const final = await finalize(coordinator, id);
		expect(final.status).toBe(200);
		const [last] = (await coordinator.get(`/api/v1/documents/${id}/versions`)).body.versions;
		expect(last).toMatchObject({ final: true, approval: null });
	});
});
