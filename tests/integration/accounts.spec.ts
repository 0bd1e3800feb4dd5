import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { linkIn, startSmtpInbox, type SmtpInbox } from '../support/smtp-inbox.ts';
import { connectSocket } from '../support/socket-test-client.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Issue 11, item 6. A stranger signed up with the address a coordinator invited
 * (victim.mayor@comune.example) and accepted the invitation meant for it; the real person had no
 * way back in. Now an address is verified by a mailed link, a bound invitation wants a verified
 * account with that address, and a password can be reset by mail. Mails go over real SMTP to an
 * in-process server.
 */
let app: TestApp;
let inbox: SmtpInbox;
let coordinator: ApiClient;
let tableId: string;

beforeAll(async () => {
	inbox = await startSmtpInbox();
	// Every request here comes from 127.0.0.1: the reset limit gets its own app below.
	app = await startTestApp({
		SMTP_URL: inbox.url,
		TAVOLO_PASSWORD_RESET_MAX_PER_ADDRESS: '1000',
		TAVOLO_PASSWORD_RESET_MAX_PER_EMAIL: '1000'
	});
	coordinator = new ApiClient(app.origin);
	await coordinator.signUp('coordinatrice@consorzio.example', 'Giulia Coordinatrice');
	tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Pianura', territory: 'Pianura' })).body.id;
});
afterAll(async () => {
	await app?.stop();
	await inbox?.close();
});

function tokenOf(link: URL): string {
	const token = link.searchParams.get('token');
	if (!token) throw new Error(`no token in ${link}`);
	return token;
}

async function verificationToken(email: string, after: number): Promise<string> {
	const mail = await inbox.nextMailTo(email, after);
	expect(mail.mail.subject).toBe('Conferma il tuo indirizzo email · Tavolo');
	return tokenOf(linkIn(mail, `${app.origin}/verify-email?token=`));
}

async function resetToken(email: string, after: number): Promise<string> {
	const mail = await inbox.nextMailTo(email, after);
	expect(mail.mail.subject).toBe('Imposta una nuova password · Tavolo');
	return tokenOf(linkIn(mail, `${app.origin}/password-reset/new?token=`));
}

describe('e-mail verification and bound invitations', () => {
	it('a stranger who signs up with the invited address cannot accept; the real owner, once verified, can', async () => {
		const victim = 'victim.mayor@comune.example';
		const invitation = await coordinator.post(`/api/v1/tables/${tableId}/invitations`, { role: 'coordinator', email: victim });
		expect(invitation.status).toBe(201);

		// Whoever holds the link does not learn whom it is for.
		const preview = await new ApiClient(app.origin).get(`/api/v1/invitations/${invitation.body.token}`);
		expect(preview.status).toBe(200);
		expect(preview.body).toMatchObject({ state: 'valid', role: 'coordinator', emailBound: true });
		expect(preview.text).not.toContain(victim);
		const page = await fetch(`${app.origin}/invite/${invitation.body.token}`);
		expect(await page.text()).not.toContain(victim);

		// The stranger registers the victim's address first (nothing checks it at signup).
		const mailsBefore = inbox.mailsTo(victim).length;
		const stranger = new ApiClient(app.origin);
		const strangerUser = await stranger.signUp(victim, 'Non Sono Io', 'password-dello-sconosciuto');
		expect(strangerUser.emailVerified).toBe(false);
		expect((await stranger.get('/api/v1/me')).body.user).toMatchObject({ email: victim, emailVerified: false });

		const refused = await stranger.post(`/api/v1/invitations/${invitation.body.token}/accept`);
		expect(refused.status).toBe(403);
		expect(refused.body.error.code).toBe('email_not_verified');
		expect(refused.body.error.message).toMatch(/conferma il tuo indirizzo email/);
		expect((await stranger.get('/api/v1/tables')).body.tables).toEqual([]);
		// The invitation is intact: no use was spent.
		expect((await new ApiClient(app.origin).get(`/api/v1/invitations/${invitation.body.token}`)).body.state).toBe('valid');

		// The verification mail went to the address, i.e. to the real owner, not to the stranger.
		const verification = await verificationToken(victim, mailsBefore);

		// The owner cannot sign in (the stranger chose the password) and resets it by mail.
		const owner = new ApiClient(app.origin);
		const resetsBefore = inbox.mailsTo(victim).length;
		expect((await owner.post('/api/v1/auth/password-reset', { email: victim })).status).toBe(202);
		const reset = await resetToken(victim, resetsBefore);
		expect((await owner.post('/api/v1/auth/password-reset/confirm', { token: reset, password: 'la-vera-sindaca-1' })).status).toBe(200);
		// The stranger's session is over.
		expect((await stranger.get('/api/v1/me')).status).toBe(401);

		// The owner also opens the verification link (either link proves the address).
		const verified = await owner.post('/api/v1/auth/verify-email', { token: verification });
		expect(verified.status).toBe(200);
		expect(verified.body).toEqual({ email: victim, emailVerified: true });

		expect((await owner.post('/api/v1/auth/login', { email: victim, password: 'la-vera-sindaca-1' })).status).toBe(200);
		expect((await owner.get('/api/v1/me')).body.user).toMatchObject({ email: victim, emailVerified: true });
		const accepted = await owner.post(`/api/v1/invitations/${invitation.body.token}/accept`);
		expect(accepted.status).toBe(201);
		expect(accepted.body).toMatchObject({ tableId, role: 'coordinator' });
		// The stranger's old password opens nothing.
		expect(
			(await new ApiClient(app.origin).post('/api/v1/auth/login', { email: victim, password: 'password-dello-sconosciuto' })).status
		).toBe(401);
	});

	it('a verification link works once, only the newest works, and it expires', async () => {
		const email = 'dirigente@scuola.example';
		const before = inbox.mailsTo(email).length;
		const client = new ApiClient(app.origin);
		await client.signUp(email, 'Dirigente Scolastica');
		const first = await verificationToken(email, before);

		// Asking again (the button on the account and invitation pages) replaces the first link.
		const page = await fetch(`${app.origin}/account?/resend`, {
			method: 'POST',
			headers: {
				origin: app.origin,
				cookie: client.sessionCookie,
				accept: 'application/json',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: ''
		});
		expect(page.status).toBe(200);
		const second = await verificationToken(email, before + 1);
		expect(second).not.toBe(first);
		const old = await client.post('/api/v1/auth/verify-email', { token: first });
		expect(old.status).toBe(400);
		expect(old.body.error.code).toBe('invalid_token');

		// An altered secret with a real id is refused the same way.
		const [id, secret] = second.split('.');
		const altered = `${id}.${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
		expect((await client.post('/api/v1/auth/verify-email', { token: altered })).body.error.code).toBe('invalid_token');

		// An expired link: 410 token_expired.
		await app.context.db
			.updateTable('email_verifications')
			.set({ expires_at: new Date(Date.now() - 1000) })
			.where('id', '=', id)
			.execute();
		const expired = await client.post('/api/v1/auth/verify-email', { token: second });
		expect(expired.status).toBe(410);
		expect(expired.body.error.code).toBe('token_expired');
		expect((await client.get('/api/v1/me')).body.user.emailVerified).toBe(false);

		const third = await fetch(`${app.origin}/account?/resend`, {
			method: 'POST',
			headers: {
				origin: app.origin,
				cookie: client.sessionCookie,
				accept: 'application/json',
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: ''
		});
		expect(third.status).toBe(200);
		const fresh = await verificationToken(email, before + 2);
		expect((await client.post('/api/v1/auth/verify-email', { token: fresh })).status).toBe(200);
		expect((await client.get('/api/v1/me')).body.user.emailVerified).toBe(true);
		// Once only.
		const again = await client.post('/api/v1/auth/verify-email', { token: fresh });
		expect(again.status).toBe(400);
		expect(again.body.error.code).toBe('invalid_token');
		for (const junk of ['', 'x', 'a.b', `${'a'.repeat(16)}.${'b'.repeat(32)}`, 42, null]) {
			const response = await client.post('/api/v1/auth/verify-email', { token: junk });
			expect([400]).toContain(response.status);
		}
	});

	it('another address, verified or not, still gets invitation_wrong_email', async () => {
		const invitation = await coordinator.post(`/api/v1/tables/${tableId}/invitations`, {
			role: 'participant',
			email: 'assessora@comune.example'
		});
		const other = new ApiClient(app.origin);
		await other.signUp('altra@comune.example');
		const refused = await other.post(`/api/v1/invitations/${invitation.body.token}/accept`);
		expect(refused.status).toBe(403);
		expect(refused.body.error.code).toBe('invitation_wrong_email');
	});
});

describe('password reset', () => {
	it('answers 202 for an unknown address too, and mails nobody', async () => {
		const unknown = 'nessuno@comune.example';
		const coordinatorMails = inbox.mailsTo('coordinatrice@consorzio.example').length;
		const response = await new ApiClient(app.origin).post('/api/v1/auth/password-reset', { email: unknown });
		expect(response.status).toBe(202);
		const known = await new ApiClient(app.origin).post('/api/v1/auth/password-reset', { email: 'coordinatrice@consorzio.example' });
		expect(known.status).toBe(202);
		expect(known.text).toBe(response.text);
		await resetToken('coordinatrice@consorzio.example', coordinatorMails);
		expect(inbox.mailsTo(unknown)).toEqual([]);
		expect(await app.context.db.selectFrom('password_resets').selectAll().execute()).toHaveLength(1);
		// A malformed address is a plain validation error, the same for everyone.
		expect((await new ApiClient(app.origin).post('/api/v1/auth/password-reset', { email: 'non-una-email' })).status).toBe(400);
	});

	it('answers before looking the address up or mailing: a stalled mail server does not hold the 202', async () => {
		const email = 'lenta@comune.example';
		const client = new ApiClient(app.origin);
		await client.signUp(email, 'Posta Lenta');
		await verificationToken(email, 0);
		inbox.hold();
		try {
			const known = await client.post('/api/v1/auth/password-reset', { email });
			expect(known.status).toBe(202);
			// The answer came while the mail for the known address is still stuck in delivery.
			await waitUntil(() => inbox.waiting === 1, 10_000, 'the reset mail to reach the stalled server');
			expect(inbox.mailsTo(email)).toHaveLength(1);
			const unknown = await client.post('/api/v1/auth/password-reset', { email: 'nessuna@comune.example' });
			expect(unknown.status).toBe(202);
			expect(unknown.text).toBe(known.text);
		} finally {
			inbox.release();
		}
		await resetToken(email, 1);
	});

	it('the link sets the password once, ends every session and live connection, and expires', async () => {
		const email = 'assistente@sociale.example';
		const deviceA = new ApiClient(app.origin);
		await deviceA.signUp(email, 'Assistente Sociale', 'password-vecchia-1');
		await verificationToken(email, 0);
		const deviceB = new ApiClient(app.origin);
		expect((await deviceB.post('/api/v1/auth/login', { email, password: 'password-vecchia-1' })).status).toBe(200);
		const socket = await connectSocket(app.origin, deviceB.sessionCookie);

		const before = inbox.mailsTo(email).length;
		expect((await new ApiClient(app.origin).post('/api/v1/auth/password-reset', { email })).status).toBe(202);
		const token = await resetToken(email, before);

		const short = await new ApiClient(app.origin).post('/api/v1/auth/password-reset/confirm', { token, password: 'corta' });
		expect(short.status).toBe(400);
		expect(short.body.error.code).toBe('validation_failed');

		const done = await new ApiClient(app.origin).post('/api/v1/auth/password-reset/confirm', { token, password: 'password-nuova-1' });
		expect(done.status).toBe(200);
		// Every old session cookie is now refused, and the live connection was closed.
		expect((await deviceA.get('/api/v1/me')).status).toBe(401);
		expect((await deviceB.get('/api/v1/me')).status).toBe(401);
		await waitUntil(() => !socket.connected, 10_000, 'the socket of an ended session to be closed');
		expect(socket.connected).toBe(false);
		expect((await new ApiClient(app.origin).post('/api/v1/auth/login', { email, password: 'password-vecchia-1' })).status).toBe(401);
		const fresh = new ApiClient(app.origin);
		expect((await fresh.post('/api/v1/auth/login', { email, password: 'password-nuova-1' })).status).toBe(200);
		// Opening the mailed link proved the address.
		expect((await fresh.get('/api/v1/me')).body.user.emailVerified).toBe(true);

		// Once only.
		const reused = await new ApiClient(app.origin).post('/api/v1/auth/password-reset/confirm', { token, password: 'password-terza-11' });
		expect(reused.status).toBe(400);
		expect(reused.body.error.code).toBe('invalid_token');

		// Expired after TAVOLO_PASSWORD_RESET_MINUTES (60 by default): the stored expiry is an hour on.
		const second = inbox.mailsTo(email).length;
		await new ApiClient(app.origin).post('/api/v1/auth/password-reset', { email });
		const late = await resetToken(email, second);
		const row = await app.context.db
			.selectFrom('password_resets')
			.select(['id', 'expires_at', 'created_at'])
			.where('id', '=', late.split('.')[0])
			.executeTakeFirstOrThrow();
		expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBeGreaterThan(59 * 60_000);
		expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).toBeLessThan(61 * 60_000);
		await app.context.db
			.updateTable('password_resets')
			.set({ expires_at: new Date(Date.now() - 1000) })
			.where('id', '=', row.id)
			.execute();
		const expired = await new ApiClient(app.origin).post('/api/v1/auth/password-reset/confirm', {
			token: late,
			password: 'password-quarta-1'
		});
		expect(expired.status).toBe(410);
		expect(expired.body.error.code).toBe('token_expired');
		expect((await new ApiClient(app.origin).post('/api/v1/auth/login', { email, password: 'password-nuova-1' })).status).toBe(200);
	});

	it('is rate-limited per address and per client (429), the same for known and unknown addresses', async () => {
		const limited = await startTestApp({ TAVOLO_PASSWORD_RESET_MAX_PER_EMAIL: '2', TAVOLO_PASSWORD_RESET_MAX_PER_ADDRESS: '5' });
		try {
			const client = new ApiClient(limited.origin);
			await client.signUp('bersaglio@comune.example');
			const known: number[] = [];
			const unknown: number[] = [];
			for (let i = 0; i < 3; i++) {
				known.push((await client.post('/api/v1/auth/password-reset', { email: 'bersaglio@comune.example' })).status);
				unknown.push((await client.post('/api/v1/auth/password-reset', { email: 'fantasma@comune.example' })).status);
			}
			expect(known).toEqual([202, 202, 429]);
			expect(unknown).toEqual([202, 202, 429]);
			// Six requests from this client: the per-client cap (5) now refuses any address and any confirmation.
			const other = await client.post('/api/v1/auth/password-reset', { email: 'terzo@comune.example' });
			expect(other.status).toBe(429);
			expect(other.body.error.code).toBe('rate_limited');
			expect(Number(other.headers.get('retry-after'))).toBeGreaterThan(0);
			const confirm = await client.post('/api/v1/auth/password-reset/confirm', {
				token: `${'a'.repeat(16)}.${'b'.repeat(32)}`,
				password: 'password-nuova-1'
			});
			expect(confirm.status).toBe(429);
		} finally {
			await limited.stop();
		}
	});
});
