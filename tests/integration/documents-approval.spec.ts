import { afterAll, beforeAll, expect, it } from 'vitest';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';

/**
 * Issue 5, point 1: a final version may be bound to a yes/no poll of the live room; the version
 * records the poll's outcome and a SHA-256 of its content. Since issue 15 that poll is an approval
 * poll opened from a frozen version (tests/integration/approval-bound.spec.ts has the rest).
 */
let app: TestApp;
let coordinator: ApiClient;
let tableId: string;
let meetingId: string;

beforeAll(async () => {
	app = await startTestApp();
	coordinator = new ApiClient(app.origin);
	await coordinator.signUp('coordinatrice@approva.example', 'Coordinatrice');
	tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo', territory: 'Piana' })).body.id;
	meetingId = (
		await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Incontro',
			startsAt: '2027-03-01T15:00:00+01:00',
			endsAt: '2027-03-01T17:00:00+01:00'
		})
	).body.id;
	await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' });
});
afterAll(() => app?.stop());

async function yesNoPoll(documentId: string, open = true, close = true) {
	const poll = (
		await coordinator.post(`/api/v1/documents/${documentId}/versions/1/approval-poll`, {
			meetingId,
			question: 'Approviamo il protocollo?',
			majority: 'simple'
		})
	).body;
	if (open) await coordinator.post(`/api/v1/polls/${poll.id}/open`);
	if (open) expect((await coordinator.post(`/api/v1/polls/${poll.id}/vote`, { choice: 'yes' })).status).toBeLessThan(300);
	if (close) await coordinator.post(`/api/v1/polls/${poll.id}/close`);
	return poll.id as string;
}

async function documentInReview() {
	const document = (await coordinator.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title: 'Protocollo' })).body;
	expect((await coordinator.post(`/api/v1/documents/${document.id}/status`, { status: 'in_review' })).status).toBe(200);
	expect((await coordinator.post(`/api/v1/documents/${document.id}/versions`, { note: 'Per il voto' })).status).toBe(201);
	return document.id as string;
}

it('records the approving poll and a SHA-256 of the Markdown on the final version', async () => {
	const documentId = await documentInReview();
	const pollId = await yesNoPoll(documentId);
	const final = await coordinator.post(`/api/v1/documents/${documentId}/status`, {
		status: 'final',
		note: 'Approvato',
		approvalPollId: pollId
	});
	expect(final.status).toBe(200);
	const versions = (await coordinator.get(`/api/v1/documents/${documentId}/versions`)).body.versions;
	const [version] = versions;
	expect(version).toMatchObject({
		number: 2,
		final: true,
		approval: { pollId, question: 'Approviamo il protocollo?', versionNumber: 1, yes: 1, no: 0, passed: true }
	});
	const detail = (await coordinator.get(`/api/v1/documents/${documentId}/versions/2`)).body;
	expect(version.contentSha256).toBe(encodeHexLowerCase(sha256(new TextEncoder().encode(detail.markdown))));
});

it('refuses an approval poll that is still open (409), of another kind or unknown (400), leaving the document in review', async () => {
	const documentId = await documentInReview();
	const open = await yesNoPoll(documentId, true, false);
	const stillOpen = await coordinator.post(`/api/v1/documents/${documentId}/status`, { status: 'final', approvalPollId: open });
	expect(stillOpen.status).toBe(409);
	expect(stillOpen.body.error.code).toBe('poll_not_closed');
	const single = (
		await coordinator.post(`/api/v1/meetings/${meetingId}/polls`, {
			question: 'Quale?',
			kind: 'single',
			options: ['A', 'B'],
			anonymous: false,
			resultsVisible: 'live'
		})
	).body.id;
	for (const approvalPollId of [single, 'sconosciuto']) {
		const refused = await coordinator.post(`/api/v1/documents/${documentId}/status`, { status: 'final', approvalPollId });
		expect(refused.status).toBe(400);
		expect(refused.body.error.fields.approvalPollId).toBeDefined();
	}
	expect((await coordinator.get(`/api/v1/documents/${documentId}`)).body.status).toBe('in_review');
});
