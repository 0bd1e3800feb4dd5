import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { startSmtpInbox, type SmtpInbox } from '../support/smtp-inbox.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Issue 13, item 8: the accessibility statement's feedback channel (AgID's "meccanismo di
 * feedback"). Anyone may report a problem, through the page's form (with or without JavaScript)
 * or the JSON API; the report is stored, every admin gets a mail, and only admins list and close
 * reports. Client addresses come from a trusted proxy header, so each case has its own rate budget.
 */
let app: TestApp;
let inbox: SmtpInbox;
let admin: ApiClient;
let member: ApiClient;
const adminEmail = 'admin@consorzio.example';
let address = 0;

/** A client behind its own address (the per-address cap is 3 here). */
const visitor = (headers: Record<string, string> = {}) =>
	new ApiClient(app.origin, { 'x-forwarded-for': `10.0.0.${++address}`, ...headers });

beforeAll(async () => {
	inbox = await startSmtpInbox();
	app = await startTestApp({ SMTP_URL: inbox.url, ADDRESS_HEADER: 'x-forwarded-for', TAVOLO_ACCESSIBILITY_FEEDBACK_MAX_PER_ADDRESS: '3' });
	// The first account of a deployment is its admin.
	admin = visitor();
	expect((await admin.signUp(adminEmail, 'Anna Amministratrice')).isAdmin).toBe(true);
	member = visitor();
	expect((await member.signUp('membro@comune.example', 'Marco Membro')).isAdmin).toBe(false);
});
afterAll(async () => {
	await app?.stop();
	await inbox?.close();
});

async function storedReports(): Promise<Array<Record<string, unknown>>> {
	const list = await admin.get('/api/v1/accessibility-feedback');
	expect(list.status).toBe(200);
	return list.body.feedback;
}

/** A form posted by a browser without JavaScript: urlencoded, same Origin, asking for HTML. */
async function postForm(fields: Record<string, string>, forwardedFor: string) {
	const response = await fetch(`${app.origin}/accessibilita`, {
		method: 'POST',
		headers: {
			origin: app.origin,
			'content-type': 'application/x-www-form-urlencoded',
			accept: 'text/html',
			'x-forwarded-for': forwardedFor
		},
		body: new URLSearchParams(fields).toString(),
		redirect: 'manual'
	});
	return { status: response.status, text: await response.text() };
}

describe('a report through the API', () => {
	it('is stored, mailed to the admin, and listed for the admin only', async () => {
		const sent = await visitor().post('/api/v1/accessibility-feedback', {
			name: 'Lucia Bianchi',
			email: 'Lucia.Bianchi@Esempio.it',
			page: '/meetings/abc',
			message: 'Con NVDA il pulsante "Vota" non annuncia il voto registrato.\nSuccede ogni volta.'
		});
		expect(sent.status).toBe(201);
		expect(sent.body).toEqual({ id: expect.any(String) });

		const report = (await storedReports()).find((r) => r.id === sent.body.id);
		expect(report).toMatchObject({
			name: 'Lucia Bianchi',
			email: 'lucia.bianchi@esempio.it',
			page: '/meetings/abc',
			message: 'Con NVDA il pulsante "Vota" non annuncia il voto registrato.\nSuccede ogni volta.',
			status: 'open',
			userId: null,
			handledAt: null
		});

		// The admin's own sign-up sent a verification mail before: look for the report's.
		const mail = await waitUntil(
			() => inbox.mailsTo(adminEmail).find((entry) => entry.mail.subject === 'Nuova segnalazione di accessibilità · Tavolo'),
			15_000,
			'the report mailed to the admin'
		);
		expect(mail.mail.text).toContain('Da: Lucia Bianchi <lucia.bianchi@esempio.it>');
		expect(mail.mail.text).toContain('Pagina: /meetings/abc');
		expect(mail.mail.text).toContain('non annuncia il voto registrato');
		expect(mail.mail.text).toContain(`${app.origin}/admin/accessibility-feedback`);
		// Only admins are told: the member got nothing.
		expect(inbox.mailsTo('membro@comune.example').map((entry) => entry.mail.subject)).not.toContain(mail.mail.subject);

		const asMember = await member.get('/api/v1/accessibility-feedback');
		expect(asMember.status).toBe(403);
		expect(asMember.body.error.code).toBe('forbidden');
		expect(asMember.text).not.toContain('Lucia');
		expect((await visitor().get('/api/v1/accessibility-feedback')).status).toBe(401);
		// The admin page refuses members too.
		const page = await fetch(`${app.origin}/admin/accessibility-feedback`, { headers: { cookie: member.sessionCookie } });
		expect(page.status).toBe(403);
		expect(await page.text()).not.toContain('Lucia');
	});

	it('from someone signed in needs no e-mail: the account answers', async () => {
		const sent = await member.post('/api/v1/accessibility-feedback', { message: 'Il contrasto dei commenti evidenziati è troppo basso.' });
		expect(sent.status).toBe(201);
		const report = (await storedReports()).find((r) => r.id === sent.body.id);
		expect(report).toMatchObject({ email: 'membro@comune.example', name: 'Marco Membro', page: '', status: 'open' });
		expect(report?.userId).toEqual(expect.any(String));
	});

	it('is marked handled by an admin, never by a member', async () => {
		const sent = await visitor().post('/api/v1/accessibility-feedback', { email: 'a@esempio.it', message: 'Manca il testo alternativo.' });
		expect(sent.status).toBe(201);
		const refused = await member.post(`/api/v1/accessibility-feedback/${sent.body.id}/handled`);
		expect(refused.status).toBe(403);
		expect((await storedReports()).find((r) => r.id === sent.body.id)?.status).toBe('open');

		const handled = await admin.post(`/api/v1/accessibility-feedback/${sent.body.id}/handled`);
		expect(handled.status).toBe(200);
		expect(handled.body.feedback).toMatchObject({ id: sent.body.id, status: 'handled', handledAt: expect.any(String) });
		expect((await storedReports()).find((r) => r.id === sent.body.id)?.status).toBe('handled');
		expect((await admin.post('/api/v1/accessibility-feedback/nessuna/handled')).status).toBe(404);
	});
});

describe('bad input changes nothing', () => {
	// The field's message as the API gives it (generic; the page's form says more), or null for any.
	const cases: Array<[string, Record<string, unknown>, string, string | null]> = [
		['a missing message', { email: 'a@esempio.it' }, 'message', 'Campo obbligatorio.'],
		['a blank message', { email: 'a@esempio.it', message: '   \n ' }, 'message', 'Campo obbligatorio.'],
		['a message past 4000 characters', { email: 'a@esempio.it', message: 'x'.repeat(4001) }, 'message', 'Troppo lungo.'],
		['a page past 2000 characters', { email: 'a@esempio.it', page: 'p'.repeat(2001), message: 'ok' }, 'page', 'Troppo lungo.'],
		['a bad e-mail', { email: 'non-una-email', message: 'ok' }, 'email', 'Inserisci un indirizzo email valido.'],
		['no e-mail when signed out', { message: 'ok' }, 'email', 'Campo obbligatorio.'],
		[
			'control characters',
			{ name: 'Lucia\u0000', email: 'a@esempio.it', message: 'ok' },
			'name',
			'Contiene caratteri di controllo non ammessi (per esempio il carattere nullo).'
		],
		['a message that is not text', { email: 'a@esempio.it', message: 42 }, 'message', null]
	];

	it.each(cases)('%s: 400 naming the field, nothing stored, no mail', async (_case, body, field, message) => {
		const before = (await storedReports()).length;
		const mailsBefore = inbox.received.length;
		const refused = await visitor().post('/api/v1/accessibility-feedback', body);
		expect(refused.status).toBe(400);
		expect(refused.body.error.code).toBe('validation_failed');
		expect(refused.body.error.fields[field]).toEqual(message ?? expect.any(String));
		expect((await storedReports()).length).toBe(before);
		expect(inbox.received.length).toBe(mailsBefore);
	});

	it('without JavaScript, the form answers 400 with a message beside each field and keeps what was typed', async () => {
		const before = (await storedReports()).length;
		const refused = await postForm({ name: 'Gino', email: 'gino@', page: '/accessibilita', message: '' }, '10.1.0.1');
		expect(refused.status).toBe(400);
		expect(refused.text).toContain('Descrivi il problema che hai incontrato.');
		expect(refused.text).toMatch(/L(&#39;|'|&apos;)indirizzo email non è valido/);
		expect(refused.text).toContain('value="Gino"');
		expect((await storedReports()).length).toBe(before);

		const tooLong = await postForm({ email: 'gino@esempio.it', message: 'y'.repeat(4001) }, '10.1.0.1');
		expect(tooLong.status).toBe(400);
		expect(tooLong.text).toContain('Troppo lungo: al massimo 4000 caratteri.');
		expect((await storedReports()).length).toBe(before);
	});
});

describe('the form without JavaScript', () => {
	it('stores the report and confirms it', async () => {
		const sent = await postForm(
			{ name: '', email: 'senza.js@esempio.it', page: '', message: 'Il menu non si apre da tastiera.' },
			'10.2.0.1'
		);
		expect(sent.status).toBe(200);
		expect(sent.text).toContain('Segnalazione inviata: risponderemo entro 30 giorni.');
		expect((await storedReports()).some((r) => r.email === 'senza.js@esempio.it' && r.message === 'Il menu non si apre da tastiera.')).toBe(
			true
		);
	});
});

describe('the rate limit', () => {
	it('refuses the fourth report from one address within the window (429), API and form alike; refused input does not count', async () => {
		const client = new ApiClient(app.origin, { 'x-forwarded-for': '10.3.0.1' });
		// Refused reports cost nothing: someone fixing their typos is never locked out by them.
		for (let i = 0; i < 4; i++) expect((await client.post('/api/v1/accessibility-feedback', { message: '' })).status).toBe(400);
		for (let i = 0; i < 3; i++) {
			expect(
				(await client.post('/api/v1/accessibility-feedback', { email: 'tanti@esempio.it', message: `Segnalazione ${i}` })).status
			).toBe(201);
		}
		const before = (await storedReports()).length;
		const limited = await client.post('/api/v1/accessibility-feedback', { email: 'tanti@esempio.it', message: 'Una di troppo' });
		expect(limited.status).toBe(429);
		expect(limited.body.error.code).toBe('rate_limited');
		expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

		const form = await postForm({ email: 'tanti@esempio.it', message: 'Una di troppo dal modulo' }, '10.3.0.1');
		expect(form.status).toBe(429);
		expect((await storedReports()).length).toBe(before);
		// Another address still gets through.
		expect((await visitor().post('/api/v1/accessibility-feedback', { email: 'altro@esempio.it', message: 'Va.' })).status).toBe(201);
	});
});
