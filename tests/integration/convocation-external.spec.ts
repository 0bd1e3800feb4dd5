import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { linkIn, startSmtpInbox, type SmtpInbox } from '../support/smtp-inbox.ts';

/**
 * Issue 14, item 7: a coordinator sends a meeting's convocation to people outside the table too
 * (mayors, schools, services, associations), each filed under a category. Each gets the letter
 * with a personal invitation link; followed, it lets a new account with that verified address
 * join the table and see the meeting. The server checks every recipient, the count limit
 * (TAVOLO_CONVOCATION_MAX_EXTERNAL), duplicates and who asks, and refuses the whole send if one
 * is wrong.
 */
let app: TestApp;
let inbox: SmtpInbox;
let coordinator: ApiClient;
let participant: ApiClient;
let tableId = '';
let meetingId = '';
let categories: Array<{ id: string; key: string; labelIt: string }> = [];
const categoryId = (key: string) => categories.find((c) => c.key === key)!.id;

beforeAll(async () => {
	inbox = await startSmtpInbox();
	app = await startTestApp({ SMTP_URL: inbox.url, TAVOLO_CONVOCATION_MAX_EXTERNAL: '3' });
	coordinator = new ApiClient(app.origin);
	await coordinator.signUp('coordinatrice@sds.example', 'Giulia Coordinatrice');
	expect(
		(
			await coordinator.put('/api/v1/organization', {
				name: 'Società della Salute Pistoiese',
				place: 'Pistoia',
				signatoryTitle: 'Il Direttore',
				signatoryName: 'Daniele Mannelli'
			})
		).status
	).toBe(200);
	const table = await coordinator.post('/api/v1/tables', { name: 'Tavolo pistoiese', territory: 'Area pistoiese' });
	tableId = table.body.id;
	categories = (await coordinator.get(`/api/v1/tables/${tableId}`)).body.categories;
	expect(categories.length).toBeGreaterThan(3);
	participant = new ApiClient(app.origin);
	await participant.signUp('membro@comune.example', 'Marco Membro');
	await participant.joinTable(coordinator, tableId, { role: 'participant' });
	const meeting = await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
		title: 'Presentazione dei dati',
		startsAt: '2027-01-14T15:00:00+01:00',
		endsAt: '2027-01-14T17:00:00+01:00'
	});
	meetingId = meeting.body.id;
	// The verification mails of the two signups go out in the background: counted before the sends.
	await Promise.all([inbox.nextMailTo('coordinatrice@sds.example', 0), inbox.nextMailTo('membro@comune.example', 0)]);
}, 60_000);

afterAll(async () => {
	await app?.stop();
	await inbox?.close();
});

const pendingInvitations = async () =>
	(await coordinator.get(`/api/v1/tables/${tableId}/invitations`)).body.invitations as Array<{
		id: string;
		email: string | null;
		mailStatus: string | null;
		role: string;
		categoryId: string | null;
	}>;

describe('refusals: the whole send, nothing written or mailed', () => {
	it('a participant may not convene, with or without external recipients', async () => {
		const before = inbox.received.length;
		const refused = await participant.post(`/api/v1/meetings/${meetingId}/convocation/send`, {
			externalRecipients: [{ email: 'sindaco@comune-a.example', categoryId: categoryId('mayors') }]
		});
		expect(refused.status).toBe(403);
		expect(refused.body.error.code).toBe('forbidden');
		expect(await pendingInvitations()).toEqual([]);
		expect(inbox.received.length).toBe(before);
	});

	it('names the refused recipient, in Italian, and sends nothing', async () => {
		const mailsBefore = inbox.received.length;
		const letterBefore = (await coordinator.get(`/api/v1/meetings/${meetingId}/convocation`)).body;
		const good = { email: 'sindaco@comune-a.example', categoryId: categoryId('mayors') };
		const cases: Array<[unknown, string]> = [
			[{ externalRecipients: [{ ...good, email: 'non-una-email' }] }, 'externalRecipients.0.email'],
			[{ externalRecipients: [{ email: good.email }] }, 'externalRecipients.0.categoryId'],
			[{ externalRecipients: [{ ...good, categoryId: 'categoria-inventata' }] }, 'externalRecipients.0.categoryId'],
			[{ externalRecipients: [good, { ...good, email: ' SINDACO@comune-a.example ' }] }, 'externalRecipients.1.email'],
			[{ externalRecipients: [{ ...good, email: 'membro@comune.example' }] }, 'externalRecipients.0.email'],
			[{ externalRecipients: [{ ...good, email: 'coordinatrice@sds.example' }] }, 'externalRecipients.0.email'],
			[{ externalRecipients: [{ ...good, role: 'sovrano' }] }, 'externalRecipients.0.role'],
			[{ externalRecipients: [{ ...good, name: 'x'.repeat(121) }] }, 'externalRecipients.0.name'],
			[{ externalRecipients: [{ ...good, name: 'Sindaco\u0007' }] }, 'externalRecipients.0.name'],
			[{ externalRecipients: 'sindaco@comune-a.example' }, 'externalRecipients'],
			[
				{
					externalRecipients: ['a', 'b', 'c', 'd'].map((letter) => ({ email: `${letter}@enti.example`, categoryId: categoryId('mayors') }))
				},
				'externalRecipients'
			],
			[{ invitationIds: ['invito-inesistente'] }, 'invitationIds.0'],
			// A letter refused with good recipients: checked before either is used.
			[{ subject: '', body: 'testo', externalRecipients: [good] }, 'subject']
		];
		for (const [input, field] of cases) {
			const response = await coordinator.post(`/api/v1/meetings/${meetingId}/convocation/send`, input);
			expect(response.status, JSON.stringify(input)).toBe(400);
			expect(response.body.error.code).toBe('validation_failed');
			expect(Object.keys(response.body.error.fields), JSON.stringify(input)).toContain(field);
			expect(response.body.error.message).toMatch(/campi/);
		}
		// The streamed send refuses the same way, with the field's message for the page.
		const streamed = await coordinator.request(
			'POST',
			`/api/v1/meetings/${meetingId}/convocation/send`,
			{ externalRecipients: [good, good] },
			{ accept: 'application/x-ndjson' }
		);
		const lines = streamed.text
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line));
		expect(lines).toEqual([
			{
				type: 'error',
				error: expect.objectContaining({
					code: 'validation_failed',
					fields: { 'externalRecipients.1.email': 'Questo indirizzo compare più di una volta.' }
				})
			}
		]);
		expect(await pendingInvitations()).toEqual([]);
		expect(inbox.received.length).toBe(mailsBefore);
		const letterAfter = (await coordinator.get(`/api/v1/meetings/${meetingId}/convocation`)).body;
		expect(letterAfter).toMatchObject({ subject: letterBefore.subject, body: letterBefore.body, sentAt: null });
	});
});

describe('external recipients get the letter and a link to the table', () => {
	const school = 'dirigente@scuola.example';
	const mayor = 'sindaco@comune-a.example';
	const association = 'presidente@associazione.example';
	let pendingId = '';
	let oldLink = '';

	it('mails each, by category on the letter; a pending invitation is renewed, not doubled', async () => {
		// The association was invited before (pending, mailed): the coordinator picks that invitation.
		const invited = await coordinator.post(`/api/v1/tables/${tableId}/invitations`, {
			role: 'observer',
			email: association,
			categoryId: categoryId('user_associations')
		});
		expect(invited.status).toBe(201);
		pendingId = invited.body.id;
		oldLink = invited.body.url;
		await inbox.nextMailTo(association, 0);

		const sent = await coordinator.post(`/api/v1/meetings/${meetingId}/convocation/send`, {
			externalRecipients: [
				{ email: mayor, categoryId: categoryId('mayors'), name: 'Anna Sindaca', representedBody: 'Comune di Serravalle' },
				{ email: school, categoryId: categoryId('school_heads') }
			],
			invitationIds: [pendingId]
		});
		expect(sent.status).toBe(200);
		expect(sent.body).toMatchObject({ transport: 'smtp', total: 5, sent: 5, failed: [] });

		for (const address of [mayor, school]) {
			const mail = await inbox.nextMailTo(address, 0);
			expect(mail.mail.from?.value[0]).toMatchObject({ name: 'Società della Salute Pistoiese' });
			expect(mail.mail.text).toContain('Ai componenti del Tavolo pistoiese e agli enti invitati:');
			expect(mail.mail.text).toContain('- Sindaci dei Comuni');
			expect(mail.mail.text).toContain('- Dirigenti scolastici e/o Funzioni strumentali');
			expect(mail.mail.text).toContain('- Rappresentanti Associazioni utenti');
			expect(mail.mail.text).toMatch(/^Pistoia, /);
			expect(linkIn(mail, `${app.origin}/invite/`).pathname).toMatch(/^\/invite\/[a-z2-7]+$/);
		}
		// Members get the letter without a personal link: they are in the table already.
		const memberMail = await inbox.nextMailTo('membro@comune.example', 1);
		expect(memberMail.mail.text).not.toContain('/invite/');
		expect(memberMail.mail.text).toContain('- Sindaci dei Comuni');

		const renewed = await inbox.nextMailTo(association, 1);
		const newLink = linkIn(renewed, `${app.origin}/invite/`).href;
		expect(newLink).not.toBe(oldLink);
		// The earlier link stopped working: one link per person.
		const oldToken = oldLink.split('/').pop();
		expect((await coordinator.get(`/api/v1/invitations/${oldToken}`)).status).toBe(404);

		const invitations = await pendingInvitations();
		expect(invitations.map((i) => i.email).sort()).toEqual([school, association, mayor].sort());
		expect(invitations.every((i) => i.mailStatus === 'sent')).toBe(true);
		expect(invitations.find((i) => i.email === association)).toMatchObject({ id: pendingId, role: 'observer' });
		expect(invitations.find((i) => i.email === mayor)).toMatchObject({ role: 'participant', categoryId: categoryId('mayors') });

		// The letter now lists the external categories for good (GET, and the letter's text).
		const letter = (await coordinator.get(`/api/v1/meetings/${meetingId}/convocation`)).body;
		expect(letter.body).toContain('Ai componenti del Tavolo pistoiese e agli enti invitati:');
		expect(letter.body).toContain('- Sindaci dei Comuni');
	});

	it('followed, the links let new accounts with those verified addresses join at once and see the meeting', async () => {
		const join = async (address: string, name: string) => {
			const invite = linkIn(inbox.mailsTo(address).at(-1)!, `${app.origin}/invite/`);
			const token = invite.pathname.split('/').pop()!;
			const person = new ApiClient(app.origin);
			const before = inbox.mailsTo(address).length;
			await person.signUp(address, name);
			// Before the address is verified the bound link refuses them.
			const early = await person.post(`/api/v1/invitations/${token}/accept`);
			expect(early.status).toBe(403);
			expect(early.body.error.code).toBe('email_not_verified');
			const verification = await inbox.nextMailTo(address, before);
			const verifyToken = linkIn(verification, `${app.origin}/verify-email?token=`).searchParams.get('token');
			expect((await person.post('/api/v1/auth/verify-email', { token: verifyToken })).status).toBe(200);
			const accepted = await person.post(`/api/v1/invitations/${token}/accept`);
			expect(accepted.status).toBe(201);
			expect(accepted.body).toMatchObject({ tableId });
			const meeting = await person.get(`/api/v1/meetings/${meetingId}`);
			expect(meeting.status).toBe(200);
			expect(meeting.body.title).toBe('Presentazione dei dati');
			return person;
		};
		const people = await Promise.all([join(mayor, 'Anna Sindaca'), join(school, 'Paolo Dirigente'), join(association, 'Lucia Presidente')]);
		expect(people).toHaveLength(3);
		const members = (await coordinator.get(`/api/v1/tables/${tableId}`)).body.members as Array<{
			name: string;
			role: string;
			categoryId: string;
		}>;
		expect(members.find((m) => m.name === 'Anna Sindaca')).toMatchObject({ role: 'participant', categoryId: categoryId('mayors') });
		expect(members.find((m) => m.name === 'Lucia Presidente')).toMatchObject({ role: 'observer' });
		expect(await pendingInvitations()).toEqual([]);
	});

	it('someone outside the table who did not get a link still cannot see the meeting', async () => {
		const stranger = new ApiClient(app.origin);
		await stranger.signUp('estraneo@altrove.example', 'Estraneo');
		expect((await stranger.get(`/api/v1/meetings/${meetingId}`)).status).toBe(403);
	});
});
