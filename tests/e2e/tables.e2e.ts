import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, newVisitor, seriousA11yViolations } from '../support/browser.ts';

/**
 * The path of issue 2, as people live it: the admin sets up a table, invites a participant by
 * link, the participant joins from the landing page; someone else cannot look in.
 */
describe('tables, invitations and access', () => {
	let app: TestApp;
	let browser: Browser;

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	const pageTitle = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name, exact: true });

	async function expectAccessible(page: Page) {
		expect(await seriousA11yViolations(page), `axe on ${page.url()}`).toEqual([]);
		expect(browserErrors(page), `script errors on ${page.url()}`).toEqual([]);
	}

	async function signUp(page: Page, person: { name: string; email: string }) {
		await page.getByLabel('Nome e cognome').fill(person.name);
		await page.getByLabel('Email').fill(person.email);
		await page.getByLabel('Password').fill('una-password-lunga');
	}

	let tableUrl = '';
	let invitationUrl = '';
	let observerInvitationUrl = '';

	it('lets the first person sign up as admin and create a table', async () => {
		const { context, page } = await newVisitor(browser, app.url);
		await page.goto('/');
		await pageTitle(page, 'Accedi').waitFor();
		expect(new URL(page.url()).pathname).toBe('/login');
		await expectAccessible(page);

		await page.getByRole('link', { name: 'Registrati' }).last().click();
		await pageTitle(page, 'Crea il tuo account').waitFor();
		await expectAccessible(page);
		await signUp(page, { name: 'Anna Coordinatrice', email: 'anna@consorzio.example' });
		await page.getByRole('button', { name: "Crea l'account" }).click();

		await pageTitle(page, 'I miei tavoli').waitFor();
		await page.getByRole('heading', { name: 'Non fai ancora parte di nessun tavolo' }).waitFor();
		await expectAccessible(page);

		await page.getByRole('main').getByRole('link', { name: 'Crea un tavolo' }).click();
		await pageTitle(page, 'Amministrazione').waitFor();
		expect(await page.getByLabel('Sindaci dei Comuni').isChecked()).toBe(true);
		expect(await page.getByLabel('Terzo settore').isChecked()).toBe(true);
		await expectAccessible(page);

		const createTable = page.getByRole('region', { name: 'Crea un tavolo' });
		await createTable.getByLabel('Nome del tavolo').fill('Tavolo Area Montana');
		await createTable.getByLabel('Territorio').fill('Comunità montana');
		await createTable.getByLabel('Descrizione').fill("Integrazione dei cittadini di paesi terzi nell'area montana.");
		await createTable.getByText('Terzo settore', { exact: true }).click();
		expect(await createTable.getByLabel('Terzo settore').isChecked()).toBe(false);
		await page.getByRole('button', { name: 'Crea il tavolo' }).click();

		await pageTitle(page, 'Tavolo Area Montana').waitFor();
		tableUrl = page.url();
		const main = page.getByRole('main');
		await main.getByText('Comunità montana').first().waitFor();
		const expected = main.getByRole('region', { name: 'Categorie attese' });
		await expected.getByText('Sindaci dei Comuni').waitFor();
		expect(await expected.getByText('Mancante').count()).toBe(7);
		expect(await expected.getByText('Terzo settore').count()).toBe(0);
		await expectAccessible(page);

		const invite = page.getByRole('region', { name: 'Invita persone' });
		await invite.getByLabel('Ruolo').selectOption({ label: 'Partecipante' });
		await invite.getByRole('button', { name: 'Crea il link di invito' }).click();
		await invite.getByRole('heading', { name: 'Link di invito creato' }).waitFor();
		await invite.getByText('Copia il link ora: per sicurezza non verrà più mostrato.').waitFor();
		invitationUrl = await invite.getByLabel('Link di invito').inputValue();
		expect(invitationUrl).toMatch(/\/invite\/[a-z2-7]+$/);
		await page.getByRole('region', { name: 'Inviti in attesa' }).getByText('Utilizzi: 0 su 1').waitFor();
		await expectAccessible(page);

		// A second link, for several observers at once.
		await invite.getByLabel('Ruolo').selectOption({ label: 'Osservatore' });
		await invite.getByLabel('Quante persone possono usarlo').fill('5');
		await invite.getByRole('button', { name: 'Crea il link di invito' }).click();
		await page.getByRole('region', { name: 'Inviti in attesa' }).getByText('Utilizzi: 0 su 5').waitFor();
		observerInvitationUrl = await invite.getByLabel('Link di invito').inputValue();
		expect(observerInvitationUrl).not.toBe(invitationUrl);

		const meetings = page.getByRole('region', { name: 'Incontri' });
		await meetings.getByText('Programma un incontro').click();
		await meetings.getByLabel('Titolo').fill('Primo incontro del tavolo');
		await meetings.getByLabel('Data').fill('2031-03-10');
		await meetings.getByLabel('Ora di inizio').fill('17:00');
		await meetings.getByLabel('Ora di fine').fill('19:00');
		await meetings.getByLabel('Link della videochiamata').fill('https://meet.example/tavolo-montano');
		await meetings.getByRole('button', { name: "Programma l'incontro" }).click();
		await page.getByText('Incontro programmato.').waitFor();
		await page.getByText('lunedì 10 marzo 2031, dalle 17:00 alle 19:00').waitFor();

		await page.getByText('Nuovo documento').click();
		await page.getByLabel('Tipo di documento').selectOption({ label: 'Linee di indirizzo' });
		await page.getByRole('region', { name: 'Documenti' }).getByLabel('Titolo').fill("Linee di indirizzo per l'accoglienza");
		await page.getByRole('button', { name: 'Crea il documento' }).click();
		await page.getByText('Documento creato.').waitFor();
		await page.getByRole('heading', { name: /Bozza/ }).waitFor();

		await page.getByRole('link', { name: 'Primo incontro del tavolo' }).click();
		await pageTitle(page, 'Primo incontro del tavolo').waitFor();
		await page.getByRole('link', { name: 'Partecipa alla videochiamata' }).waitFor();
		await expectAccessible(page);

		await page.getByRole('link', { name: 'Torna al tavolo Tavolo Area Montana' }).click();
		await page.getByRole('link', { name: "Linee di indirizzo per l'accoglienza" }).click();
		await pageTitle(page, "Linee di indirizzo per l'accoglienza").waitFor();
		await page.getByText('Bozza').waitFor();
		await expectAccessible(page);
		await context.close();
	});

	it('lets an invited person sign up on the landing page and land on the table', async () => {
		expect(invitationUrl).not.toBe('');
		const { context, page } = await newVisitor(browser, app.url);
		await page.goto(invitationUrl);
		await pageTitle(page, /Sei invitato al tavolo «Tavolo Area Montana»/).waitFor();
		await page.getByText('Entrerai come Partecipante.').waitFor();
		await expectAccessible(page);

		const signup = page.getByRole('region', { name: "Sei nuovo su Tavolo? Crea l'account" });
		await signUp(signup as unknown as Page, { name: 'Marco Sindaco', email: 'sindaco@comune.example' });
		await signup.getByRole('button', { name: "Crea l'account ed entra nel tavolo" }).click();

		await pageTitle(page, 'Tavolo Area Montana').waitFor();
		const members = page.getByRole('region', { name: /Membri/ });
		await members.getByText('Marco Sindaco').waitFor();
		await members.getByText('Partecipante').waitFor();
		// A participant sees no coordinator tools.
		expect(await page.getByRole('button', { name: 'Crea il link di invito' }).count()).toBe(0);
		await expectAccessible(page);

		await page.getByRole('link', { name: 'I miei tavoli' }).click();
		await pageTitle(page, 'I miei tavoli').waitFor();
		await page.getByRole('link', { name: 'Tavolo Area Montana' }).waitFor();
		await page.getByText('Primo incontro del tavolo').waitFor();
		await expectAccessible(page);

		// The link was for one person: it is now used up.
		const { context: late, page: latePage } = await newVisitor(browser, app.url);
		await latePage.goto(invitationUrl);
		await pageTitle(latePage, 'Questo invito è già stato usato').waitFor();
		await expectAccessible(latePage);
		await Promise.all([context.close(), late.close()]);
	});

	it('shows a clear refusal to someone who is not a member, and to an unknown invitation', async () => {
		expect(tableUrl).not.toBe('');
		const { context, page } = await newVisitor(browser, app.url);
		await page.goto('/signup');
		await signUp(page, { name: 'Luca Estraneo', email: 'luca@altrove.example' });
		await page.getByRole('button', { name: "Crea l'account" }).click();
		await pageTitle(page, 'I miei tavoli').waitFor();
		await page.getByText('Per entrare in un tavolo apri il link di invito che ti ha mandato il coordinatore.').waitFor();

		const response = await page.goto(tableUrl);
		expect(response?.status()).toBe(403);
		await pageTitle(page, 'Accesso non consentito').waitFor();
		await page.getByText('Non fai parte di questo tavolo').waitFor();
		await expectAccessible(page);

		const unknown = await page.goto('/invite/abcdefghijklmnop');
		expect(unknown?.status()).toBe(404);
		await pageTitle(page, 'Invito non valido').waitFor();
		await page.getByText('Questo link di invito non esiste.', { exact: false }).waitFor();

		const admin = await page.goto('/admin');
		expect(admin?.status()).toBe(403);
		await page.getByText("Solo l'amministratore può aprire questa pagina.").waitFor();

		// Once invited, the same person joins with one click.
		await page.goto(observerInvitationUrl);
		await page.getByText("Hai effettuato l'accesso come Luca Estraneo (luca@altrove.example).").waitFor();
		await page.getByRole('button', { name: 'Entra nel tavolo' }).click();
		await page.waitForURL(tableUrl);
		await pageTitle(page, 'Tavolo Area Montana').waitFor();
		await page
			.getByRole('region', { name: /Membri/ })
			.getByText('Osservatore')
			.waitFor();
		await context.close();
	});
});
