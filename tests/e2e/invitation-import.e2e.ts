import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, OpenedVisitors, seriousA11yViolations } from '../support/browser.ts';
import { startSmtpInbox, type SmtpInbox } from '../support/smtp-inbox.ts';

/**
 * Issue 14, item 7: a coordinator checks a list of people ("Verifica"), reads the line errors tied
 * to the file field, fixes the file and imports it ("Importa"); the invitations appear as mailed,
 * and the mails arrive at a real SMTP server.
 */
describe('importing a list of people on the table page', () => {
	let smtp: SmtpInbox;
	let app: TestApp;
	let browser: Browser;
	const visitors = new OpenedVisitors();
	let page: Page;

	beforeAll(async () => {
		smtp = await startSmtpInbox();
		[app, browser] = await Promise.all([startTestApp({ SMTP_URL: smtp.url }), launchBrowser()]);
		const coordinator = new ApiClient(app.url);
		await coordinator.signUp('giulia@consorzio.example', 'Giulia Coordinatrice');
		const tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
		page = await visitors.page(browser, app.url, coordinator.sessionCookie);
		await page.goto(`/tables/${tableId}`);
	}, 60_000);

	afterAll(async () => {
		await visitors.closeAll();
		await browser?.close();
		await app?.stop();
		await smtp?.close();
	});

	const file = (text: string) => ({ name: 'elenco.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });

	it('checks, shows the line errors, then imports and lists the invitations as mailed', async () => {
		const section = page.getByRole('region', { name: 'Importa un elenco di persone' });
		const input = section.getByLabel('File CSV');
		await input.setInputFiles(
			file('name;email;role\nMarco Sindaco;marco@comune.example;partecipante\nSenza;indirizzo-sbagliato;observer\n')
		);
		await section.getByRole('button', { name: 'Verifica' }).click();
		await section.getByText('Riga 3: Indirizzo email non valido: «indirizzo-sbagliato».').waitFor();
		expect(await input.getAttribute('aria-invalid')).toBe('true');
		expect(await input.getAttribute('aria-describedby')).toContain('import-errors');
		// The dry run created nothing.
		expect(await page.getByText('Per Marco Sindaco (marco@comune.example)').count()).toBe(0);
		expect(await seriousA11yViolations(page)).toEqual([]);

		await input.setInputFiles(
			file('name;email;role\nMarco Sindaco;marco@comune.example;partecipante\nLucia Preside;preside@scuola.example;observer\n')
		);
		await section.getByRole('button', { name: 'Verifica' }).click();
		await section.getByRole('alert').getByText('Nessun errore: 2 inviti pronti da importare.').waitFor();
		await section.getByRole('button', { name: 'Importa' }).click();
		await section.getByRole('alert').getByText('Inviti creati e inviati: 2.').waitFor();
		await page.getByText('Per Marco Sindaco (marco@comune.example)').waitFor();
		expect(await page.getByTestId('invitation-mail-state').count()).toBe(2);
		const mail = await smtp.nextMailTo('preside@scuola.example', 0);
		expect(mail.mail.subject).toBe('Invito a partecipare: Tavolo Montagna');
		expect(browserErrors(page)).toEqual([]);
	});
});
