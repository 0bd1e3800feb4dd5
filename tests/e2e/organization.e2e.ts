import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, newVisitor, seriousA11yViolations } from '../support/browser.ts';

const run = promisify(execFile);

/** The text of the letter the page downloads ("Scarica PDF"), as pdftotext reads it. */
async function downloadedLetterText(page: Page): Promise<string> {
	const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Scarica PDF' }).click()]);
	expect(download.suggestedFilename()).toMatch(/^convocazione-tavolo-pistoiese-2027-01-14\.pdf$/);
	const file = await download.path();
	return (await run('pdftotext', ['-layout', file, '-'])).stdout;
}

/**
 * Issue 14, items 1 and 2, as the admin meets them: a fresh install's first run asks for the
 * organisation with the admin account, and the letter's PDF then carries its name and place;
 * the organisation's page, reached from the
 * admin's navigation, refuses a blank name at the field and keeps the identity; the convocation
 * letter then opens with the organisation's place and is signed by its signatory.
 */
describe('the organisation in the letter', () => {
	let app: TestApp;
	let browser: Browser;
	let admin: ApiClient;
	let meetingId = '';

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		admin = new ApiClient(app.origin);
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('the first run sets the organisation with the admin account; the letter PDF carries its name and place', async () => {
		const { context, page } = await newVisitor(browser, app.url);
		const errors = browserErrors(page);
		await page.goto('/');
		await page.getByRole('heading', { level: 1, name: 'Accedi' }).waitFor();
		await page.getByRole('link', { name: 'Configura Tavolo' }).click();
		await page.getByRole('heading', { level: 1, name: 'Configura Tavolo' }).waitFor();
		expect(await seriousA11yViolations(page)).toEqual([]);

		await page.getByLabel("Nome dell'organizzazione").fill('Comune di Quarrata');
		await page.getByLabel('Nome e cognome').fill('Giulia Coordinatrice');
		await page.getByLabel('Email').fill('direttore@sds.example');
		await page.getByLabel('Password').fill('password-sicura-1');
		await page.getByRole('button', { name: 'Salva e inizia' }).click();
		// The place is required: refused at its field, focus there, nothing created.
		await page.locator('#setup-org-place[aria-invalid="true"]').waitFor();
		expect(await page.evaluate(() => document.activeElement?.id)).toBe('setup-org-place');
		expect(await page.locator('#setup-org-place-error').textContent()).toContain('Campo obbligatorio');
		expect((await admin.get('/api/v1/setup')).body).toEqual({ needed: true });

		await page.getByLabel('Luogo').fill('Quarrata');
		await page.getByLabel('Password').fill('password-sicura-1');
		await page.getByRole('button', { name: 'Salva e inizia' }).click();
		await page.waitForURL((url) => url.pathname === '/');
		expect((await admin.get('/api/v1/setup')).body).toEqual({ needed: false });

		// The admin (this account) makes a table and a meeting; the letter speaks for the organisation.
		expect((await admin.post('/api/v1/auth/login', { email: 'direttore@sds.example', password: 'password-sicura-1' })).status).toBe(200);
		expect((await admin.get('/api/v1/me')).body.user.isAdmin).toBe(true);
		const tableId = (await admin.post('/api/v1/tables', { name: 'Tavolo pistoiese', territory: 'Area pistoiese' })).body.id;
		meetingId = (
			await admin.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Presentazione dei dati',
				startsAt: '2027-01-14T15:00:00+01:00',
				endsAt: '2027-01-14T17:00:00+01:00'
			})
		).body.id;
		await page.goto(`/meetings/${meetingId}/convocation`);
		const text = await downloadedLetterText(page);
		expect(text).toContain('Comune di Quarrata');
		expect(text).toMatch(/Quarrata, \d{1,2} \p{L}+ \d{4}/u);
		expect(text).not.toMatch(/\bTavolo convoca\b/);
		expect(errors).toEqual([]);
		await context.close();
	});

	it('the admin sets the organisation and finds its name and place in the letter', async () => {
		const { context, page } = await newVisitor(browser, app.url);
		const [name, value] = admin.sessionCookie.split('=');
		await context.addCookies([{ name, value, url: app.url, httpOnly: true, sameSite: 'Lax' }]);
		const errors = browserErrors(page);

		await page.goto('/admin');
		await page.getByRole('link', { name: 'Organizzazione: nome, luogo e firma delle lettere' }).click();
		await page.getByRole('heading', { level: 1, name: 'Organizzazione' }).waitFor();
		expect(await seriousA11yViolations(page)).toEqual([]);

		const orgName = page.getByLabel("Nome dell'organizzazione");
		await orgName.fill('');
		await page.getByLabel('Luogo').fill('Pistoia');
		await page.getByRole('button', { name: 'Salva' }).click();
		// Refused at the field: the error is tied to it and focus lands there.
		await page.locator('#org-name[aria-invalid="true"]').waitFor();
		expect(await page.evaluate(() => document.activeElement?.id)).toBe('org-name');
		expect(await page.locator('#org-name-error').textContent()).toBeTruthy();

		await orgName.fill('Società della Salute Pistoiese');
		await page.getByLabel('Qualifica di chi firma').fill('Il Direttore');
		await page.getByLabel('Nome di chi firma').fill('Daniele Mannelli');
		await page.getByRole('button', { name: 'Salva' }).click();
		await page.getByRole('alert').getByText('Organizzazione salvata.').waitFor();
		expect(await orgName.inputValue()).toBe('Società della Salute Pistoiese');
		expect(await seriousA11yViolations(page)).toEqual([]);
		// On a phone (320 px) the form fits without scrolling sideways.
		await page.setViewportSize({ width: 320, height: 640 });
		const width = await page.evaluate(() => ({
			scroll: document.documentElement.scrollWidth,
			client: document.documentElement.clientWidth
		}));
		expect(width.scroll).toBeLessThanOrEqual(width.client);

		await page.goto(`/meetings/${meetingId}/convocation`);
		const letter = await page.getByLabel('Testo della lettera').inputValue();
		expect(letter).toMatch(/^Pistoia, \d{1,2} \p{L}+ \d{4}\n/u);
		expect(letter).toContain("Società della Salute Pistoiese convoca l'incontro «Presentazione dei dati» del Tavolo pistoiese.");
		expect(letter).toMatch(/Il Direttore\nSocietà della Salute Pistoiese\nDaniele Mannelli$/);
		await page.getByLabel('Numero di protocollo').waitFor();
		const text = await downloadedLetterText(page);
		expect(text).toContain('Società della Salute Pistoiese');
		expect(text).toMatch(/Pistoia, \d{1,2} \p{L}+ \d{4}/u);
		expect(text).toContain('Daniele Mannelli');
		expect(errors).toEqual([]);
		await context.close();
	});
});
