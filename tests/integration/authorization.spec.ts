import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';

/**
 * The role × action table enforced over HTTP: every endpoint of the §4 contract that acts on a
 * table, called by each kind of caller. Expected answers are written out here by hand.
 */
type Caller = 'admin' | 'coordinator' | 'moderator' | 'participant' | 'observer' | 'outsider';
const callers: Caller[] = ['admin', 'coordinator', 'moderator', 'participant', 'observer', 'outsider'];

let app: TestApp;
const clients = {} as Record<Caller, ApiClient>;
const membership = {} as Record<Caller, string>;
let tableId: string;

beforeAll(async () => {
	app = await startTestApp();
	for (const caller of callers) {
		clients[caller] = new ApiClient(app.origin);
		await clients[caller].signUp(`${caller}@authz.example`, caller);
	}
	// The admin makes the table (and so coordinates it); a separate coordinator is invited.
	tableId = (await clients.admin.post('/api/v1/tables', { name: 'Tavolo Piana', territory: 'Piana' })).body.id;
	for (const role of ['coordinator', 'moderator', 'participant', 'observer'] as const) {
		await clients[role].joinTable(clients.admin, tableId, { role });
	}
	const members = (await clients.admin.get(`/api/v1/tables/${tableId}`)).body.members as {
		userId: string;
		membershipId: string;
		email: string;
	}[];
	for (const member of members) membership[member.email.split('@')[0] as Caller] = member.membershipId;
});

afterAll(async () => {
	await app?.stop();
});

type Call = (client: ApiClient) => Promise<{ status: number; body: any }>;
const meeting = { title: 'Incontro', startsAt: '2027-01-10T15:00:00+01:00', endsAt: '2027-01-10T17:00:00+01:00' };

const cases: { action: string; call: Call; allowed: Caller[] }[] = [
	{
		action: 'view the table',
		call: (c) => c.get(`/api/v1/tables/${tableId}`),
		allowed: ['admin', 'coordinator', 'moderator', 'participant', 'observer']
	},
	{
		action: 'update the table',
		call: (c) => c.put(`/api/v1/tables/${tableId}`, { name: 'Tavolo Piana', territory: 'Piana' }),
		allowed: ['admin', 'coordinator']
	},
	{ action: 'list invitations', call: (c) => c.get(`/api/v1/tables/${tableId}/invitations`), allowed: ['admin', 'coordinator'] },
	{
		action: 'invite',
		call: (c) => c.post(`/api/v1/tables/${tableId}/invitations`, { role: 'observer' }),
		allowed: ['admin', 'coordinator']
	},
	{
		action: 'revoke an invitation',
		call: async (c) => {
			const invitation = await clients.admin.post(`/api/v1/tables/${tableId}/invitations`, { role: 'participant' });
			return c.delete(`/api/v1/tables/${tableId}/invitations/${invitation.body.id}`);
		},
		allowed: ['admin', 'coordinator']
	},
	{
		action: 'change a member',
		call: (c) => c.patch(`/api/v1/tables/${tableId}/members/${membership.participant}`, { role: 'participant', representedBody: 'Comune' }),
		allowed: ['admin', 'coordinator']
	},
	{
		action: 'list meetings',
		call: (c) => c.get(`/api/v1/tables/${tableId}/meetings`),
		allowed: ['admin', 'coordinator', 'moderator', 'participant', 'observer']
	},
	{ action: 'schedule a meeting', call: (c) => c.post(`/api/v1/tables/${tableId}/meetings`, meeting), allowed: ['admin', 'coordinator'] },
	{
		action: 'list documents',
		call: (c) => c.get(`/api/v1/tables/${tableId}/documents`),
		allowed: ['admin', 'coordinator', 'moderator', 'participant', 'observer']
	},
	{
		action: 'create a document',
		call: (c) => c.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title: 'Bozza' }),
		allowed: ['admin', 'coordinator', 'moderator']
	},
	{ action: 'create a table', call: (c) => c.post('/api/v1/tables', { name: 'Altro', territory: 'Altrove' }), allowed: ['admin'] },
	{ action: 'manage programmes', call: (c) => c.get('/api/v1/programmes'), allowed: ['admin'] }
];

describe('authorization over HTTP', () => {
	for (const { action, call, allowed } of cases) {
		for (const caller of callers) {
			const may = allowed.includes(caller);
			it(`${caller} ${may ? 'may' : 'may not'} ${action}`, async () => {
				const response = await call(clients[caller]);
				if (may) {
					expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
				} else {
					expect(response.status).toBe(403);
					expect(response.body.error.code).toBe('forbidden');
				}
			});
		}
	}

	it('answers 401 to every table endpoint without a session', async () => {
		const anonymous = new ApiClient(app.origin);
		for (const { call } of cases) {
			const response = await call(anonymous);
			expect(response.status).toBe(401);
			expect(response.body.error.code).toBe('unauthorized');
		}
	});
});
