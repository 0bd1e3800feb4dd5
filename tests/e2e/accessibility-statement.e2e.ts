import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, newVisitor, OpenedVisitors, seriousA11yViolations } from '../support/browser.ts';

/**
 * Issue 13, item 8: the accessibility statement AgID asks for, linked from every page's footer,
 * in both languages, with a report form a keyboard user can send and an admin can close.
 */
describe('accessibility statement and its feedback channel', () => {
	let app: TestApp;
	let browser: Browser;
	let admin: ApiClient;
	const visitors = new OpenedVisitors();

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		// The first account of a deployment is its admin.
		admin = new ApiClient(app.origin);
		await admin.signUp('admin@consorzio.example', 'Anna Amministratrice');
	});

	afterAll(async () => {
		await visitors.closeAll();
		await browser?.close();
		await app?.stop();
	});

	const heading = (page: Page, level: number, name: string) => page.getByRole('heading', { level, name, exact: true });
	const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

	async function expectAccessible(page: Page) {
		expect(await seriousA11yViolations(page), `axe on ${page.url()}`).toEqual([]);
		expect(browserErrors(page), `script errors on ${page.url()}`).toEqual([]);
	}

	const italianSections = [
		'Stato di conformità',
		'Contenuti non accessibili',
		'Redazione della dichiarazione',
		'Meccanismo di feedback',
		'Procedura di attuazione',
		'Segnala un problema di accessibilità'
	];

	it('is linked from the footer of the home page, in Italian, with the sections of AgID’s model', async () => {
		const page = await visitors.page(browser, app.url, admin.sessionCookie);
		await page.goto('/');
		await heading(page, 1, 'I miei tavoli').waitFor();
		await page.getByRole('contentinfo').getByRole('link', { name: 'Dichiarazione di accessibilità' }).click();
		await heading(page, 1, 'Dichiarazione di accessibilità').waitFor();
		expect(new URL(page.url()).pathname).toBe('/accessibilita');
		for (const section of italianSections) expect(await heading(page, 2, section).count(), section).toBe(1);
		await page.getByText(/parzialmente conforme ai requisiti della norma WCAG 2\.1 AA · UNI CEI EN 301 549/).waitFor();
		await page.getByText('Documenti esportati in PDF (testi, lettera di convocazione, verbale)').waitFor();
		await page
			.getByText(/Difensore civico per il digitale/)
			.first()
			.waitFor();
		await expectAccessible(page);
	});

	it('is reached from the login page without signing in, and reads in English for an English reader', async () => {
		const { context, page } = await newVisitor(browser, app.url);
		await page.goto('/login');
		await heading(page, 1, 'Accedi').waitFor();
		await page.getByRole('contentinfo').getByRole('link', { name: 'Segnala un problema di accessibilità' }).click();
		await heading(page, 2, 'Segnala un problema di accessibilità').waitFor();
		expect(new URL(page.url()).pathname + new URL(page.url()).hash).toBe('/accessibilita#segnala');
		// The link leads the keyboard there too: the next Tab is the form's first field.
		await page.keyboard.press('Tab');
		expect(await focusedId(page)).toBe('feedback-name');
		await context.close();

		const english = await newVisitor(browser, app.url, 'en-GB');
		await english.page.goto('/login');
		await heading(english.page, 1, 'Sign in').waitFor();
		await english.page.getByRole('contentinfo').getByRole('link', { name: 'Accessibility statement' }).click();
		await heading(english.page, 1, 'Accessibility statement').waitFor();
		expect(await english.page.locator('html').getAttribute('lang')).toBe('en');
		for (const section of [
			'Compliance status',
			'Non-accessible content',
			'Preparation of this statement',
			'Feedback mechanism',
			'Enforcement procedure',
			'Report an accessibility problem'
		]) {
			expect(await heading(english.page, 2, section).count(), section).toBe(1);
		}
		await english.page.getByText(/partially compliant with the requirements of WCAG 2\.1 AA/).waitFor();
		await expectAccessible(english.page);
		await english.context.close();
	});

	it('takes a report by keyboard: says what is wrong beside each field, then confirms', async () => {
		const { context, page } = await newVisitor(browser, app.url);
		await page.goto('/accessibilita#segnala');
		await heading(page, 2, 'Segnala un problema di accessibilità').waitFor();

		await page.getByLabel('Nome e cognome').focus();
		await page.keyboard.type('Gino Rossi');
		await page.keyboard.press('Tab');
		expect(await focusedId(page)).toBe('feedback-email');
		await page.keyboard.type('gino@');
		await page.keyboard.press('Tab');
		expect(await focusedId(page)).toBe('feedback-page');
		await page.keyboard.type('Stanza dell’incontro');
		await page.keyboard.press('Tab');
		expect(await focusedId(page)).toBe('feedback-message');
		await page.keyboard.press('Tab');
		await page.keyboard.press('Enter');

		await page.getByRole('alert').getByText('Alcuni campi non sono validi: controllali e riprova.').waitFor();
		await page.getByText("L'indirizzo email non è valido: scrivilo nella forma nome@esempio.it.").waitFor();
		await page.getByText('Descrivi il problema che hai incontrato.').waitFor();
		// Focus lands on the first field to fix, which names its error.
		await page.waitForFunction(() => document.activeElement?.id === 'feedback-email');
		expect(await page.getByLabel('Email per la risposta').getAttribute('aria-invalid')).toBe('true');
		expect(await page.getByLabel('Descrizione del problema').getAttribute('aria-invalid')).toBe('true');
		expect(await page.getByLabel('Nome e cognome').inputValue()).toBe('Gino Rossi');
		await expectAccessible(page);

		await page.keyboard.press('ControlOrMeta+A');
		await page.keyboard.type('gino.rossi@esempio.it');
		await page.keyboard.press('Tab');
		await page.keyboard.press('Tab');
		expect(await focusedId(page)).toBe('feedback-message');
		await page.keyboard.type('Con il lettore di schermo il pulsante Vota non dice se il voto è registrato.');
		await page.keyboard.press('Tab');
		await page.keyboard.press('Enter');

		await page.getByRole('alert').getByText('Segnalazione inviata: risponderemo entro 30 giorni.').waitFor();
		// Focus stays on the button just pressed, not lost to the page's start.
		await page.waitForFunction(() => document.activeElement?.textContent?.trim() === 'Invia la segnalazione');
		expect(await page.getByLabel('Descrizione del problema').inputValue()).toBe('');
		expect(await page.locator('[aria-invalid="true"]').count()).toBe(0);
		await expectAccessible(page);
		await context.close();
	});

	it('lets the admin find the report from the admin page and mark it handled, focus staying on the report', async () => {
		const page = await visitors.page(browser, app.url, admin.sessionCookie);
		await page.goto('/admin');
		await heading(page, 1, 'Amministrazione').waitFor();
		const link = page.getByRole('link', { name: /^Segnalazioni di accessibilità/ });
		expect(await link.textContent()).toBe('Segnalazioni di accessibilità (1 da gestire)');
		await link.click();
		await heading(page, 1, 'Segnalazioni di accessibilità').waitFor();
		const report = page.getByRole('article', { name: /Segnalazione di Gino Rossi/ });
		await report.getByText('Con il lettore di schermo il pulsante Vota non dice se il voto è registrato.').waitFor();
		await report.getByRole('link', { name: 'gino.rossi@esempio.it' }).waitFor();
		await report.getByText('Stanza dell’incontro').waitFor();
		await expectAccessible(page);

		await report.getByRole('button', { name: /^Segna come gestita.*la segnalazione di Gino Rossi$/ }).click();
		await report.getByRole('heading', { level: 2, name: /Gestita/ }).waitFor();
		expect(await report.getByRole('button').count()).toBe(0);
		// The button went away with the answer: focus is on the report's heading, not lost to the page.
		expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H2');
		expect(await page.evaluate(() => document.activeElement?.textContent ?? '')).toContain('Gestita');
		await expectAccessible(page);

		const stored = await admin.get('/api/v1/accessibility-feedback');
		expect(stored.body.feedback).toHaveLength(1);
		expect(stored.body.feedback[0]).toMatchObject({ name: 'Gino Rossi', status: 'handled' });
	});
});
