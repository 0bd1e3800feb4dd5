import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';

/**
 * Issue 14, item 1: the first run of a deployment asks for the organisation. Before any account
 * exists, `POST /api/v1/setup` creates the admin and the organisation (name and place required)
 * in one step, so letters never go out with "Tavolo" as their issuer; afterwards it is refused and
 * changes nothing. An install whose first account came by plain signup shows its admins a prompt
 * to complete the organisation until it has a name and place.
 */
const organization = {
	name: 'Società della Salute Pistoiese',
	place: 'Pistoia',
	signatoryTitle: 'Il Direttore',
	signatoryName: 'Daniele Mannelli'
};
const account = (email: string) => ({ name: 'Giulia Direttrice', email, password: 'password-sicura-1' });

async function postForm(app: TestApp, path: string, values: Record<string, string>, cookie = '') {
	return fetch(`${app.origin}${path}`, {
		method: 'POST',
		headers: {
			origin: app.origin,
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded',
			...(cookie ? { cookie } : {})
		},
		body: new URLSearchParams(values),
		redirect: 'manual'
	});
}

describe('the first run (fresh install)', () => {
	let app: TestApp;
	beforeAll(async () => {
		app = await startTestApp();
	}, 60_000);
	afterAll(async () => {
		await app?.stop();
	});

	it('points to the first run from the login and signup pages while no account exists', async () => {
		const visitor = new ApiClient(app.origin);
		expect((await visitor.get('/api/v1/setup')).body).toEqual({ needed: true });
		for (const page of ['/login', '/signup']) {
			const html = (await visitor.get(page)).text;
			expect(html, page).toContain('Tavolo non è ancora configurato');
			expect(html, page).toContain('href="/setup"');
		}
		const setupPage = await visitor.get('/setup');
		expect(setupPage.status).toBe(200);
		expect(setupPage.text).toContain('name="organization.place"');
	});

	it('refuses a missing name or place, a bad account or extra organisation fields, and creates nothing', async () => {
		const visitor = new ApiClient(app.origin);
		const cases: Array<[unknown, string]> = [
			[{ ...account('a@sds.example'), organization: { ...organization, place: '  ' } }, 'organization.place'],
			[{ ...account('a@sds.example'), organization: { ...organization, name: '' } }, 'organization.name'],
			[{ ...account('a@sds.example'), organization: { place: 'Pistoia' } }, 'organization.name'],
			[{ ...account('a@sds.example') }, 'organization'],
			[{ ...account('a@sds.example'), organization: { ...organization, email: 'non-email' } }, 'organization.email'],
			[{ ...account('a@sds.example'), organization: { ...organization, name: 'x'.repeat(201) } }, 'organization.name'],
			[{ ...account('non-email'), organization }, 'email'],
			[{ ...account('a@sds.example'), password: 'corta', organization }, 'password']
		];
		for (const [input, field] of cases) {
			const response = await visitor.post('/api/v1/setup', input);
			expect(response.status, JSON.stringify(input)).toBe(400);
			expect(response.body.error.code).toBe('validation_failed');
			expect(Object.keys(response.body.error.fields)).toContain(field);
		}
		expect((await visitor.get('/api/v1/setup')).body).toEqual({ needed: true });
		expect(visitor.sessionCookie).toBe('');
	});

	it('of two first runs at once exactly one wins; the winner is the signed-in admin and the organisation speaks', async () => {
		const first = new ApiClient(app.origin);
		const second = new ApiClient(app.origin);
		const [a, b] = await Promise.all([
			first.post('/api/v1/setup', { ...account('direttrice@sds.example'), organization }),
			second.post('/api/v1/setup', { ...account('intruso@altrove.example'), organization: { name: 'Altro ente', place: 'Altrove' } })
		]);
		expect([a.status, b.status].sort()).toEqual([201, 409]);
		const [winner, loser] = a.status === 201 ? [first, b] : [second, a];
		expect(loser.body.error).toMatchObject({ code: 'already_set_up', message: 'Tavolo è già configurato: accedi con il tuo account.' });
		const me = (await winner.get('/api/v1/me')).body.user;
		expect(me.isAdmin).toBe(true);
		const saved = (await winner.get('/api/v1/organization')).body;
		expect(saved).toMatchObject(a.status === 201 ? organization : { name: 'Altro ente', place: 'Altrove' });
		expect((await winner.get('/api/v1/setup')).body).toEqual({ needed: false });
	});

	it('is gone once set up: refused over the API and the page, nothing changes', async () => {
		const late = new ApiClient(app.origin);
		const refused = await late.post('/api/v1/setup', { ...account('tardi@sds.example'), organization: { name: 'Tavolo', place: 'X' } });
		expect(refused.status).toBe(409);
		expect(late.sessionCookie).toBe('');
		expect((await late.post('/api/v1/auth/login', { email: 'tardi@sds.example', password: 'password-sicura-1' })).status).toBe(401);
		const page = await fetch(`${app.origin}/setup`, { redirect: 'manual' });
		expect(page.status).toBe(303);
		const form = await postForm(app, '/setup', {
			name: 'Tardi',
			email: 'tardi@sds.example',
			password: 'password-sicura-1',
			'organization.name': 'Tavolo',
			'organization.place': 'X'
		});
		expect([303, 409]).toContain(form.status);
		expect((await late.post('/api/v1/auth/login', { email: 'tardi@sds.example', password: 'password-sicura-1' })).status).toBe(401);
		for (const html of [(await late.get('/login')).text, (await late.get('/signup')).text])
			expect(html).not.toContain('Tavolo non è ancora configurato');
	});
});

describe('an install set up before the first-run page', () => {
	let app: TestApp;
	let admin: ApiClient;
	let member: ApiClient;
	beforeAll(async () => {
		app = await startTestApp();
		admin = new ApiClient(app.origin);
		await admin.signUp('admin@sds.example', 'Admin');
		member = new ApiClient(app.origin);
		await member.signUp('membro@comune.example', 'Membro');
	}, 60_000);
	afterAll(async () => {
		await app?.stop();
	});

	const prompt = 'Completa i dati dell&#39;organizzazione';
	const promptPlain = "Completa i dati dell'organizzazione";
	const hasPrompt = (html: string) => html.includes(prompt) || html.includes(promptPlain);

	it('asks its admins, not its members, to complete the organisation until it has a name and place', async () => {
		expect((await admin.get('/api/v1/organization')).body).toMatchObject({ name: 'Tavolo', place: '' });
		const home = await admin.get('/');
		expect(home.status).toBe(200);
		expect(hasPrompt(home.text)).toBe(true);
		expect(home.text).toContain('href="/admin/organization"');
		expect(hasPrompt((await admin.get('/admin')).text)).toBe(true);
		expect(hasPrompt((await member.get('/')).text)).toBe(false);

		expect((await admin.put('/api/v1/organization', organization)).status).toBe(200);
		expect(hasPrompt((await admin.get('/')).text)).toBe(false);
		expect(hasPrompt((await admin.get('/admin')).text)).toBe(false);
	});
});
