import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { connectClient, rawConnect, synced, syncRoundTrip, type Client, type YjsTestServer } from '../support/yjs-harness.ts';
import { connectSocket, send, type ClientSocket } from '../support/socket-test-client.ts';
import { can, type Actor, type TableAction } from '../../src/lib/server/authz/policy.ts';
import type { ClientToServerEvents } from '../../src/lib/realtime/protocol.ts';
import type { TableRole } from '../../src/lib/domain/tables.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Who may send which socket.io command and who may read or write which /yjs document, for every
 * kind of caller, with the expectations computed by `can()` from authz/policy.ts: change a cell of
 * the policy and this test expects the new answer.
 */
type Caller = { name: string; actor: Actor };
const callers: Caller[] = [
	...(['coordinator', 'moderator', 'participant', 'observer'] as TableRole[]).map((role) => ({
		name: role,
		actor: { isAdmin: false, role }
	})),
	{ name: 'non-member', actor: { isAdmin: false, role: null } },
	// The first account: an admin, and the table's creator (so also its coordinator).
	{ name: 'admin', actor: { isAdmin: true, role: 'coordinator' } }
];

let app: TestApp;
let admin: ApiClient;
let tableId: string;
const clients = new Map<string, ApiClient>();
const userIds = new Map<string, string>();
const sockets: ClientSocket[] = [];
const yjsClients: Client[] = [];

beforeAll(async () => {
	app = await startTestApp({ TAVOLO_API_REQUESTS_PER_MINUTE: '100000' });
	admin = new ApiClient(app.origin);
	userIds.set('admin', (await admin.signUp('admin@matrice.example')).id);
	clients.set('admin', admin);
	tableId = (await admin.post('/api/v1/tables', { name: 'Tavolo della matrice', territory: 'Pianura' })).body.id;
	for (const { name, actor } of callers) {
		if (name === 'admin') continue;
		const client = new ApiClient(app.origin);
		userIds.set(name, (await client.signUp(`${name}@matrice.example`)).id);
		if (actor.role) await client.joinTable(admin, tableId, { role: actor.role });
		clients.set(name, client);
	}
});

afterAll(async () => {
	for (const socket of sockets) socket.close();
	for (const client of yjsClients) client.destroy();
	await app?.stop();
});

async function createMeeting(): Promise<string> {
	const meeting = await admin.post(`/api/v1/tables/${tableId}/meetings`, {
		title: 'Incontro',
		startsAt: '2027-03-01T10:00:00+01:00',
		endsAt: '2027-03-01T12:00:00+01:00'
	});
	expect(meeting.status).toBe(201);
	return meeting.body.id;
}

async function createPoll(meetingId: string): Promise<string> {
	const poll = await admin.post(`/api/v1/meetings/${meetingId}/polls`, {
		question: 'Quale tema?',
		kind: 'single',
		options: ['Scuola', 'Lavoro'],
		anonymous: false,
		resultsVisible: 'hidden'
	});
	expect(poll.status).toBe(201);
	return poll.body.id;
}

interface Step {
	event: keyof ClientToServerEvents;
	action: TableAction;
	payload: () => unknown;
	/** What the admin does through the API when this caller may not, so the next steps make sense. */
	otherwise?: () => Promise<unknown>;
	/** An allowed command answers ok, or this refusal that only comes after the authorization check. */
	allowedError?: string;
}

describe('socket.io commands follow the policy', () => {
	for (const caller of callers) {
		it(`${caller.name}: every command allowed or refused as can() says`, async () => {
			const meetingId = await createMeeting();
			const pollId = await createPoll(meetingId);
			// Someone else on the table: acting on another member is the facilitators' part.
			const other = userIds.get(caller.name === 'participant' ? 'moderator' : 'participant')!;
			const steps: Step[] = [
				{ event: 'meeting:join', action: 'meeting.view', payload: () => ({ meetingId }) },
				{
					event: 'meeting:status',
					action: 'meeting.run',
					payload: () => ({ meetingId, status: 'live' }),
					otherwise: () => admin.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })
				},
				{ event: 'meeting:focus', action: 'meeting.run', payload: () => ({ meetingId, itemId: 'p1' }) },
				{ event: 'timer:start', action: 'meeting.run', payload: () => ({ meetingId, itemId: 'p1', durationMs: 60_000 }) },
				{ event: 'timer:pause', action: 'meeting.run', payload: () => ({ meetingId, itemId: 'p1' }) },
				{ event: 'timer:extend', action: 'meeting.run', payload: () => ({ meetingId, itemId: 'p1', byMs: 30_000 }) },
				{ event: 'timer:reset', action: 'meeting.run', payload: () => ({ meetingId, itemId: 'p1' }) },
				{ event: 'attendance:checkin', action: 'meeting.run', payload: () => ({ meetingId, mode: 'room', userId: other }) },
				{
					event: 'attendance:checkout',
					action: 'meeting.run',
					payload: () => ({ meetingId, checkInId: 'no-such-check-in' }),
					allowedError: 'not_found'
				},
				// Raising and lowering one's own hand is for those who may vote (live/service.ts).
				{ event: 'hand:raise', action: 'poll.vote', payload: () => ({ meetingId }) },
				{ event: 'hand:lower', action: 'poll.vote', payload: () => ({ meetingId }) },
				{ event: 'hand:lower', action: 'meeting.run', payload: () => ({ meetingId, userId: other }) },
				{ event: 'speaker:give', action: 'meeting.run', payload: () => ({ meetingId, userId: other }) },
				{ event: 'speaker:reorder', action: 'meeting.run', payload: () => ({ meetingId, userIds: [] }) },
				{ event: 'speaker:end', action: 'meeting.run', payload: () => ({ meetingId }) },
				{ event: 'speaker:give', action: 'meeting.run', payload: () => ({ meetingId, userId: other }) },
				{ event: 'speaker:remove', action: 'meeting.run', payload: () => ({ meetingId, userId: other }), allowedError: 'not_found' },
				{
					event: 'poll:create',
					action: 'poll.manage',
					payload: () => ({ meetingId, question: 'Altro?', kind: 'yesno', options: [], anonymous: false, resultsVisible: 'live' })
				},
				{
					event: 'poll:open',
					action: 'poll.manage',
					payload: () => ({ pollId }),
					otherwise: () => admin.post(`/api/v1/polls/${pollId}/open`)
				},
				{ event: 'poll:vote', action: 'poll.vote', payload: () => ({ pollId, choice: 'Scuola' }) },
				{
					event: 'poll:close',
					action: 'poll.manage',
					payload: () => ({ pollId }),
					otherwise: () => admin.post(`/api/v1/polls/${pollId}/close`)
				},
				{ event: 'poll:reveal', action: 'poll.manage', payload: () => ({ pollId }) },
				// A single-choice poll schedules nothing: that refusal comes after the role check.
				{ event: 'meeting:schedule', action: 'meeting.run', payload: () => ({ pollId }), allowedError: 'poll_not_scheduling' }
			];

			const socket = await connectSocket(app.origin, clients.get(caller.name)!.sessionCookie);
			sockets.push(socket);
			const table: string[] = [];
			for (const step of steps) {
				const allowed = can(caller.actor, step.action);
				const ack = await send(socket, step.event, step.payload() as never);
				const outcome = ack.ok ? 'ok' : ack.error.code;
				const expected = allowed ? ['ok', ...(step.allowedError ? [step.allowedError] : [])] : ['forbidden'];
				table.push(`${step.event} (${step.action}): ${outcome}`);
				expect(expected, `${caller.name} ${step.event} ${JSON.stringify(step.payload())} → ${outcome}\n${table.join('\n')}`).toContain(
					outcome
				);
				if (!allowed && step.otherwise) await step.otherwise();
			}
			expect(socket.connected).toBe(true);
		});
	}
});

describe('/yjs documents follow the policy', () => {
	type Doc = { label: string; docName: string; kind: 'agenda' | 'document'; status: 'draft' | 'in_review' | 'final' | null };
	const docs: Doc[] = [];
	let yjs: YjsTestServer;

	beforeAll(async () => {
		yjs = { app: { url: app.origin }, yjsUrl: `${app.origin.replace(/^http/, 'ws')}/yjs` } as YjsTestServer;
		const meetingId = await createMeeting();
		docs.push({ label: 'agenda', docName: `agenda:${meetingId}`, kind: 'agenda', status: null });
		for (const status of ['draft', 'in_review', 'final'] as const) {
			const created = await admin.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title: `Protocollo ${status}` });
			expect(created.status).toBe(201);
			if (status !== 'draft')
				expect((await admin.post(`/api/v1/documents/${created.body.id}/status`, { status: 'in_review' })).status).toBe(200);
			if (status === 'final')
				expect((await admin.post(`/api/v1/documents/${created.body.id}/status`, { status: 'final' })).status).toBe(200);
			docs.push({ label: `document (${status})`, docName: created.body.docName, kind: 'document', status });
		}
	});

	/** The policy's answer, as authz/access.ts reads it: view, edit, and no one writes a final text. */
	function expectedAccess(actor: Actor, doc: Doc): 'refused' | 'read-only' | 'write' {
		const [view, edit] = doc.kind === 'agenda' ? (['meeting.view', 'agenda.edit'] as const) : (['document.view', 'document.edit'] as const);
		if (!can(actor, view)) return 'refused';
		if (!can(actor, edit) || doc.status === 'final') return 'read-only';
		return 'write';
	}

	it('refuses a connection without a session (401) and an unknown document (404)', async () => {
		const doc = docs[1];
		expect((await rawConnect(`${yjs.yjsUrl}/${doc.docName}`, { origin: app.origin })).status).toBe(401);
		const refused = await rawConnect(`${yjs.yjsUrl}/document:nessuno`, { origin: app.origin, cookie: admin.sessionCookie });
		expect(refused.status).toBe(404);
	});

	for (const caller of callers) {
		it(`${caller.name}: writes, reads only, or is refused on each document as can() says`, async () => {
			for (const doc of docs) {
				const expected = expectedAccess(caller.actor, doc);
				const cookie = clients.get(caller.name)!.sessionCookie;
				const what = `${caller.name} on ${doc.label}`;
				if (expected === 'refused') {
					const attempt = await rawConnect(`${yjs.yjsUrl}/${doc.docName}`, { origin: app.origin, cookie });
					expect(attempt.status, what).toBe(403);
					continue;
				}
				// The coordinator (not the caller) watches what reaches the server's copy.
				const watcher = connectClient(yjs, doc.docName, { user: {} as never, cookie: clients.get('coordinator')!.sessionCookie });
				const client = connectClient(yjs, doc.docName, { user: {} as never, cookie });
				yjsClients.push(watcher, client);
				await Promise.all([synced(watcher), synced(client)]);
				const mark = `${caller.name}-${doc.label}`;
				client.doc.getText('t').insert(0, mark);
				if (expected === 'write') {
					await waitUntil(() => watcher.doc.getText('t').toString().includes(mark), 5000, `${what}: the edit reaches the others`);
					expect(client.readOnly?.readOnly ?? false, what).toBe(false);
				} else {
					await waitUntil(() => client.readOnly?.readOnly === true, 5000, `${what}: told it is read-only`);
					// Not allowed to edit at all says "observer" first, as access.ts decides.
					const edit = doc.kind === 'agenda' ? 'agenda.edit' : 'document.edit';
					expect(client.readOnly?.reason, what).toBe(can(caller.actor, edit) ? 'final' : 'observer');
					// The server has handled the edit, and whatever it sent the watcher since has arrived.
					await syncRoundTrip(client);
					await syncRoundTrip(watcher);
					expect(watcher.doc.getText('t').toString(), `${what}: the edit was dropped`).not.toContain(mark);
				}
				client.destroy();
				watcher.destroy();
			}
		});
	}
});
