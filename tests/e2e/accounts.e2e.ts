import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, newVisitor, seriousA11yViolations, signedInVisitor } from '../support/browser.ts';
import { linkIn, startSmtpInbox, type SmtpInbox } from '../support/smtp-inbox.ts';

describe('accounts and language', () => {
	let app: TestApp;
	let browser: Browser;

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	const pageTitle = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true });

	async function expectAccessible(page: Page) {
		expect(await seriousA11yViolations(page), `axe on ${page.url()}`).toEqual([]);
		expect(browserErrors(page), `script errors on ${page.url()}`).toEqual([]);
	}

	it('tells what is wrong beside each signup field, in Italian', async () => {
		const { context, page } = await newVisitor(browser, app.url);
		await page.goto('/signup');
		await pageTitle(page, 'Crea il tuo account').waitFor();

		await page.getByRole('button', { name: "Crea l'account" }).click();
		await page.getByRole('alert').getByText('Alcuni campi non sono validi: controllali e riprova.').waitFor();
		expect(await page.getByText('Campo obbligatorio.').count()).toBe(3);
		expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
		expect(await page.getByLabel('Nome e cognome').getAttribute('aria-invalid')).toBe('true');
		expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
		await expectAccessible(page);

		await page.getByLabel('Nome e cognome').fill('Giulia Dirigente');
		await page.getByLabel('Email').fill('giulia@scuola.example');
		await page.getByLabel('Password').fill('corta');
		await page.getByRole('button', { name: "Crea l'account" }).click();
		await page.getByText('La password deve avere almeno 10 caratteri.').waitFor();
		expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
		expect(await page.getByLabel('Nome e cognome').getAttribute('aria-invalid')).toBeNull();
		// What was typed stays, except the password.
		expect(await page.getByLabel('Email').inputValue()).toBe('giulia@scuola.example');

		await page.getByLabel('Password').fill('una-password-lunga');
		await page.getByRole('button', { name: "Crea l'account" }).click();
		await pageTitle(page, 'I miei tavoli').waitFor();
		await page.getByText('Giulia Dirigente').waitFor();

		await page.getByRole('button', { name: 'Esci' }).click();
		await pageTitle(page, 'Accedi').waitFor();

		await page.getByRole('main').getByRole('link', { name: 'Registrati' }).click();
		await page.getByLabel('Nome e cognome').fill('Giulia Bis');
		await page.getByLabel('Email').fill('giulia@scuola.example');
		await page.getByLabel('Password').fill('una-password-lunga');
		await page.getByRole('button', { name: "Crea l'account" }).click();
		await page.getByText('Esiste già un account con questa email. Prova ad accedere.').first().waitFor();
		expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
		await expectAccessible(page);
		await context.close();
	});

	it('signs in, refusing a wrong password clearly', async () => {
		const { context, page } = await newVisitor(browser, app.url);
		await page.goto('/login');
		await page.getByLabel('Email').fill('giulia@scuola.example');
		await page.getByLabel('Password').fill('password-sbagliata');
		await page.getByRole('button', { name: 'Accedi' }).click();
		await page.getByRole('alert').getByText('Email o password non corretti.').waitFor();
		expect(new URL(page.url()).pathname, 'still on the login page').toBe('/login');
		expect(
			(await context.cookies()).map((cookie) => cookie.name),
			'no session after a wrong password'
		).not.toContain('tavolo_session');

		await page.getByLabel('Password').fill('una-password-lunga');
		await page.getByRole('button', { name: 'Accedi' }).click();
		await pageTitle(page, 'I miei tavoli').waitFor();
		expect((await context.cookies()).map((cookie) => cookie.name)).toContain('tavolo_session');
		await context.close();
	});

	it('switches to English and back, remembering the choice', async () => {
		const { context, page } = await newVisitor(browser, app.url);
		await page.goto('/login');
		await pageTitle(page, 'Accedi').waitFor();
		expect(await page.locator('html').getAttribute('lang')).toBe('it');

		await page.getByRole('button', { name: 'English' }).click();
		await pageTitle(page, 'Sign in').waitFor();
		expect(await page.locator('html').getAttribute('lang')).toBe('en');
		expect(new URL(page.url()).pathname).toBe('/login');
		await expectAccessible(page);

		await page.goto('/signup');
		await pageTitle(page, 'Create your account').waitFor();
		await page.getByRole('button', { name: 'Create the account' }).click();
		await page.getByText('Required.').first().waitFor();

		await page.getByRole('button', { name: 'Italiano' }).click();
		await pageTitle(page, 'Crea il tuo account').waitFor();
		expect(await page.locator('html').getAttribute('lang')).toBe('it');
		await context.close();
	});

	it('changes the password from the account page, refusing a wrong current one beside its field', async () => {
		const api = new ApiClient(app.url);
		await api.signUp('marta@comune.example', 'Marta Sindaca', 'password-vecchia-1');
		// The browser gets a session of its own; `api` keeps the signup session, the "other device".
		const laptop = new ApiClient(app.url);
		expect((await laptop.post('/api/v1/auth/login', { email: 'marta@comune.example', password: 'password-vecchia-1' })).status).toBe(200);
		const { context, page } = await signedInVisitor(browser, app.url, laptop.sessionCookie);
		await page.goto('/');
		await page.getByRole('link', { name: /Il mio account/ }).click();
		await pageTitle(page, 'Il mio account').waitFor();
		await page.getByRole('heading', { level: 2, name: 'Cambia password' }).waitFor();

		await page.getByLabel('Password attuale').fill('non-e-questa-1');
		await page.getByLabel('Nuova password').fill('password-nuova-1');
		await page.getByRole('button', { name: 'Cambia password' }).click();
		await page.getByRole('alert').getByText('La password attuale non è corretta.').waitFor();
		expect(await page.getByLabel('Password attuale').getAttribute('aria-invalid')).toBe('true');
		expect(await page.getByLabel('Nuova password').getAttribute('aria-invalid')).toBeNull();
		await expectAccessible(page);

		await page.getByLabel('Password attuale').fill('password-vecchia-1');
		await page.getByLabel('Nuova password').fill('password-nuova-1');
		await page.getByRole('button', { name: 'Cambia password' }).click();
		await page.getByRole('alert').getByText('Password cambiata. Le altre sessioni sono state chiuse.').waitFor();
		expect(await page.getByLabel('Nuova password').inputValue()).toBe('');
		await expectAccessible(page);

		// This browser stays signed in; the API client's session (another one) was ended.
		await page.goto('/');
		await pageTitle(page, 'I miei tavoli').waitFor();
		expect((await api.get('/api/v1/me')).status).toBe(401);
		const fresh = new ApiClient(app.url);
		expect((await fresh.post('/api/v1/auth/login', { email: 'marta@comune.example', password: 'password-vecchia-1' })).status).toBe(401);
		expect((await fresh.post('/api/v1/auth/login', { email: 'marta@comune.example', password: 'password-nuova-1' })).status).toBe(200);
		await context.close();
	});
});

describe('password reset and e-mail verification, as people see them (issue 11)', () => {
	let app: TestApp;
	let browser: Browser;
	let inbox: SmtpInbox;
	let coordinator: ApiClient;

	beforeAll(async () => {
		inbox = await startSmtpInbox();
		[app, browser] = await Promise.all([startTestApp({ SMTP_URL: inbox.url }), launchBrowser()]);
		// The first account is the admin, who sets up tables.
		coordinator = new ApiClient(app.url);
		await coordinator.signUp('coordinatrice@consorzio.example', 'Giulia Coordinatrice');
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		await inbox?.close();
	});

	const pageTitle = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true });

	async function expectAccessible(page: Page) {
		expect(await seriousA11yViolations(page), `axe on ${page.url()}`).toEqual([]);
		expect(browserErrors(page), `script errors on ${page.url()}`).toEqual([]);
	}

	it('"Password dimenticata?" mails a link that sets a new password once and signs out every device', async () => {
		const email = 'paola@comune.example';
		const other = new ApiClient(app.url);
		await other.signUp(email, 'Paola Assessora', 'password-dimenticata-1');
		await inbox.nextMailTo(email, 0);

		const { context, page } = await newVisitor(browser, app.url);
		await page.goto('/login');
		await page.getByRole('link', { name: 'Password dimenticata?' }).click();
		await pageTitle(page, 'Password dimenticata').waitFor();
		await expectAccessible(page);
		await page.getByLabel('Email').fill(email);
		await page.getByRole('button', { name: 'Mandami il link' }).click();
		await page.getByRole('alert').getByText(`Se esiste un account con l'indirizzo ${email}`, { exact: false }).waitFor();
		await page.getByText('Il link vale 60 minuti e si può usare una volta sola.', { exact: false }).waitFor();

		const mail = await inbox.nextMailTo(email, 1);
		const link = linkIn(mail, `${app.url}/password-reset/new?token=`);
		await page.goto(link.toString());
		await pageTitle(page, 'Scegli una nuova password').waitFor();
		await expectAccessible(page);
		await page.getByLabel('Nuova password').fill('corta');
		await page.getByRole('button', { name: 'Imposta la nuova password' }).click();
		await page.getByText('La password deve avere almeno 10 caratteri.').waitFor();
		await page.getByLabel('Nuova password').fill('password-ritrovata-1');
		await page.getByRole('button', { name: 'Imposta la nuova password' }).click();
		await pageTitle(page, 'Password cambiata').waitFor();
		await page.getByText('La nuova password è attiva e tutte le sessioni aperte sono state chiuse.').waitFor();
		expect((await other.get('/api/v1/me')).status, 'the other device is signed out').toBe(401);

		// The same link a second time: refused, with a way to ask for a new one.
		await page.goto(link.toString());
		await page.getByLabel('Nuova password').fill('password-ancora-1');
		await page.getByRole('button', { name: 'Imposta la nuova password' }).click();
		await page.getByRole('alert').getByText('Questo link non è valido oppure è già stato usato. Chiedine uno nuovo.').waitFor();
		await page.getByRole('link', { name: 'Chiedi un nuovo link' }).waitFor();

		await page.goto('/login');
		await page.getByLabel('Email').fill(email);
		await page.getByLabel('Password').fill('password-ritrovata-1');
		await page.getByRole('button', { name: 'Accedi' }).click();
		await pageTitle(page, 'I miei tavoli').waitFor();
		await context.close();
	});

	it('a personal invitation asks to confirm the address first, then lets the owner in', async () => {
		const tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
		const email = 'sindaco@montagna.example';
		const invitation = await coordinator.post(`/api/v1/tables/${tableId}/invitations`, { role: 'participant', email });

		const { context, page } = await newVisitor(browser, app.url);
		await page.goto(invitation.body.url);
		await page.getByText('Questo invito è personale', { exact: false }).waitFor();
		expect(await page.content()).not.toContain(email);
		await page.getByLabel('Nome e cognome').fill('Mario Sindaco');
		await page.getByLabel('Email').first().fill(email);
		await page.getByLabel('Password').first().fill('password-del-sindaco');
		await page.getByRole('button', { name: "Crea l'account ed entra nel tavolo" }).click();
		await page.getByText('devi prima confermare il tuo indirizzo email', { exact: false }).waitFor();
		await expectAccessible(page);

		// Asks for the mail again; only the newest link works.
		await page.getByRole('button', { name: "Mandami di nuovo l'email di conferma" }).click();
		await page.getByRole('alert').getByText(`Ti abbiamo mandato una nuova email di conferma a ${email}.`, { exact: false }).waitFor();
		// The address's mails: the invitation (issue 14 mails it), the first confirmation, this one.
		const mail = await inbox.nextMailTo(email, 2);
		await page.goto(linkIn(mail, `${app.url}/verify-email?token=`).toString());
		await pageTitle(page, 'Conferma il tuo indirizzo email').waitFor();
		await page.getByRole('button', { name: "Conferma l'indirizzo" }).click();
		await pageTitle(page, 'Indirizzo confermato').waitFor();
		await expectAccessible(page);

		await page.goto(invitation.body.url);
		await page.getByRole('button', { name: 'Entra nel tavolo' }).click();
		await pageTitle(page, 'Tavolo Montagna').waitFor();
		await context.close();
	});
});
