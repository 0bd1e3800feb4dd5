import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, seriousA11yViolations, signedInVisitor } from '../support/browser.ts';

/**
 * Reviewing and finalizing a draft (issue 5): a coordinator sends a draft to review and makes it
 * final from the document page; a participant who has the page open sees the editor turn
 * read-only at once and says why; the final version downloads as a file with visible progress.
 */
describe('reviewing and finalizing a draft', () => {
	let app: TestApp;
	let browser: Browser;
	let documentPath = '';
	const people = {} as Record<'anna' | 'bruno', ApiClient>;

	async function signedIn(client: ApiClient): Promise<{ context: BrowserContext; page: Page }> {
		return signedInVisitor(browser, app.url, client.sessionCookie);
	}

	const editorOf = (page: Page) => page.getByRole('textbox', { name: 'Testo del documento' });
	const statusOf = (page: Page) => page.getByTestId('document-status');

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		people.anna = new ApiClient(app.origin);
		await people.anna.signUp('anna@consorzio.example', 'Anna Coordinatrice');
		const table = (await people.anna.post('/api/v1/tables', { name: 'Tavolo Pianura', territory: 'Pianura' })).body;
		people.bruno = new ApiClient(app.origin);
		await people.bruno.signUp('bruno@comune.example', 'Bruno Sindaco');
		await people.bruno.joinTable(people.anna, table.id, { role: 'participant' });
		const document = (
			await people.anna.post(`/api/v1/tables/${table.id}/documents`, { kind: 'protocol', title: 'Protocollo di accoglienza' })
		).body;
		documentPath = `/documents/${document.id}`;
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('moves a draft to review and to final; the open editor of a participant turns read-only; the export downloads', async () => {
		const anna = await signedIn(people.anna);
		const bruno = await signedIn(people.bruno);
		await Promise.all([anna.page.goto(documentPath), bruno.page.goto(documentPath)]);
		await expect.poll(() => editorOf(bruno.page).getAttribute('contenteditable')).toBe('true');
		await editorOf(bruno.page).click();
		await bruno.page.keyboard.type('Art. 1 — Le scuole accolgono gli studenti neoarrivati.');
		await editorOf(anna.page).getByText('Le scuole accolgono', { exact: false }).waitFor();
		expect(await statusOf(anna.page).textContent()).toContain('Bozza');
		// Participants see the lifecycle but not its controls.
		expect(await bruno.page.getByRole('button', { name: 'Invia in revisione' }).count()).toBe(0);

		await anna.page.getByRole('button', { name: 'Invia in revisione' }).click();
		await expect.poll(() => statusOf(anna.page).textContent()).toContain('In revisione');
		expect(await seriousA11yViolations(anna.page)).toEqual([]);

		await anna.page.getByLabel('Nota della versione definitiva (facoltativa)').fill('Approvato nella seduta del tavolo');
		await anna.page.getByRole('button', { name: 'Rendi definitivo' }).click();
		await expect.poll(() => statusOf(anna.page).textContent()).toContain('Definitivo');

		// Bruno did not reload: the server told his open connection, and the page says why.
		// (The lifecycle's hint says "sola lettura" too, now that the status follows live.)
		await bruno.page.getByTestId('readonly-notice').waitFor();
		expect(await bruno.page.getByTestId('readonly-notice').textContent()).toContain('Sola lettura');
		await expect.poll(() => editorOf(bruno.page).getAttribute('contenteditable')).toBe('false');
		expect(await bruno.page.getByTestId('readonly-notice').textContent()).toMatch(/definitiv/i);
		await editorOf(bruno.page).click();
		await bruno.page.keyboard.type(' non deve comparire');
		expect(await editorOf(bruno.page).textContent()).not.toContain('non deve comparire');

		// The final version is listed; Anna downloads it as a PDF, with progress and a result.
		await anna.page.getByRole('link', { name: 'Versione 1' }).waitFor();
		const [download] = await Promise.all([
			anna.page.waitForEvent('download'),
			anna.page.getByRole('group', { name: 'Esporta la bozza corrente' }).getByRole('button', { name: 'PDF' }).click()
		]);
		expect(download.suggestedFilename()).toBe('protocollo-di-accoglienza-bozza.pdf');
		const file = await readFile((await download.path())!);
		expect(file.subarray(0, 5).toString()).toBe('%PDF-');
		await expect.poll(() => anna.page.getByTestId('export-status').first().textContent()).toContain('Scaricato');

		// The version page shows the frozen text and exports it as Word.
		await anna.page.getByRole('link', { name: 'Versione 1' }).click();
		await anna.page.getByRole('article', { name: 'Testo della versione 1' }).getByText('Le scuole accolgono', { exact: false }).waitFor();
		const [docx] = await Promise.all([anna.page.waitForEvent('download'), anna.page.getByRole('button', { name: 'Word (DOCX)' }).click()]);
		expect(docx.suggestedFilename()).toBe('protocollo-di-accoglienza-v1.docx');
		expect(await seriousA11yViolations(anna.page)).toEqual([]);
		expect(await seriousA11yViolations(bruno.page)).toEqual([]);
		expect(browserErrors(anna.page)).toEqual([]);
		await Promise.all([anna.context.close(), bruno.context.close()]);
	});

	it('finalizes from the review desk and lists the finals; the activity log shows what happened', async () => {
		const tableId = (await people.anna.get('/api/v1/tables')).body.tables[0].id;
		const second = (await people.anna.post(`/api/v1/tables/${tableId}/documents`, { kind: 'guideline', title: 'Linee di indirizzo' })).body;
		await people.anna.post(`/api/v1/documents/${second.id}/status`, { status: 'in_review' });
		const anna = await signedIn(people.anna);
		await anna.page.goto('/review');
		await anna.page.getByRole('heading', { name: 'Revisione', level: 1 }).waitFor();
		const inReview = anna.page.getByRole('region', { name: /^In revisione/ });
		await inReview.getByRole('link', { name: 'Linee di indirizzo' }).waitFor();
		expect(await inReview.getByTestId('review-changes').textContent()).toContain('Nessuna versione salvata finora.');
		expect(await seriousA11yViolations(anna.page)).toEqual([]);
		await inReview.getByRole('button', { name: /^Rendi definitivo\W+Linee di indirizzo$/ }).click();
		await anna.page.getByText('«Linee di indirizzo» è ora definitivo.').waitFor();
		await anna.page.getByRole('region', { name: 'Definitivi recenti' }).getByRole('link', { name: 'Linee di indirizzo' }).waitFor();
		await anna.page.getByRole('region', { name: 'Definitivi recenti' }).getByRole('link', { name: 'Protocollo di accoglienza' }).waitFor();
		expect(await seriousA11yViolations(anna.page)).toEqual([]);

		await anna.page.getByRole('link', { name: 'Protocollo di accoglienza' }).click();
		await anna.page.getByRole('link', { name: /^Torna al tavolo/ }).click();
		await anna.page.getByRole('link', { name: 'Registro delle attività' }).click();
		const log = anna.page.getByRole('table');
		await log.getByText('In revisione → Definitivo').first().waitFor();
		await log.getByText('Esportazione').first().waitFor();
		await anna.page.getByLabel('Attività').selectOption('document.export');
		await anna.page.getByRole('button', { name: 'Filtra' }).click();
		await expect.poll(() => anna.page.url()).toContain('action=document.export');
		await expect.poll(() => log.getByText('Cambio di stato del documento').count()).toBe(0);
		expect(await log.getByText('Esportazione').count()).toBeGreaterThanOrEqual(2);
		expect(await seriousA11yViolations(anna.page)).toEqual([]);
		await anna.context.close();
	});
});
