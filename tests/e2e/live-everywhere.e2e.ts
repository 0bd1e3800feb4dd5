import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, seriousA11yViolations, signedInVisitor } from '../support/browser.ts';

/**
 * Issue 12, items 8 and 4, as two people see them: what a coordinator changes (a document made
 * final, a new topic, a meeting moved or cancelled) shows on the other reader's open page without
 * a reload; the meeting is edited and cancelled from its own page, with a confirmation.
 */
describe('live everywhere', () => {
	let app: TestApp;
	let browser: Browser;
	let tableId = '';
	const people = {} as Record<'anna' | 'bruno', ApiClient>;

	async function signedIn(client: ApiClient): Promise<{ context: BrowserContext; page: Page }> {
		return signedInVisitor(browser, app.url, client.sessionCookie);
	}

	/** Marks the page's JavaScript world: a reload (or a navigation) loses the mark. */
	async function markLoaded(page: Page): Promise<void> {
		await page.evaluate(() => ((window as unknown as { tavoloMark: boolean }).tavoloMark = true));
	}
	const stillLoaded = (page: Page) => page.evaluate(() => (window as unknown as { tavoloMark?: boolean }).tavoloMark === true);

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		people.anna = new ApiClient(app.origin);
		await people.anna.signUp('anna@consorzio.example', 'Anna Coordinatrice');
		tableId = (await people.anna.post('/api/v1/tables', { name: 'Tavolo Pianura', territory: 'Pianura' })).body.id;
		people.bruno = new ApiClient(app.origin);
		await people.bruno.signUp('bruno@comune.example', 'Bruno Sindaco');
		await people.bruno.joinTable(people.anna, tableId, { role: 'participant' });
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('a document made final by the coordinator stops saying "Bozza" on the other reader\'s page, without a reload', async () => {
		const documentId = (
			await people.anna.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title: 'Protocollo di accoglienza' })
		).body.id;
		const anna = await signedIn(people.anna);
		const bruno = await signedIn(people.bruno);
		await Promise.all([anna.page.goto(`/documents/${documentId}`), bruno.page.goto(`/documents/${documentId}`)]);
		const status = bruno.page.getByTestId('document-status');
		await expect.poll(() => status.textContent()).toContain('Bozza');
		await markLoaded(bruno.page);

		await anna.page.getByRole('button', { name: 'Invia in revisione' }).click();
		await expect.poll(() => status.textContent()).toContain('In revisione');
		expect(await stillLoaded(bruno.page)).toBe(true);
		// Bruno reloads in the middle: the page he gets back follows the next change too.
		await bruno.page.reload();
		await expect.poll(() => status.textContent()).toContain('In revisione');
		await markLoaded(bruno.page);
		await anna.page.getByRole('button', { name: 'Rendi definitivo' }).click();
		await expect.poll(() => status.textContent()).toContain('Definitivo');
		// The final version is listed too, and the page is the one Bruno opened.
		await bruno.page.getByRole('link', { name: 'Versione 1' }).waitFor();
		expect(await stillLoaded(bruno.page)).toBe(true);
		expect(browserErrors(bruno.page)).toEqual([]);
		await Promise.all([anna.context.close(), bruno.context.close()]);
	});

	it("a topic proposed by one member appears on the other's table page", async () => {
		const anna = await signedIn(people.anna);
		const bruno = await signedIn(people.bruno);
		const annaSockets: string[] = [];
		anna.page.on('websocket', (socket) => socket.url().includes('/socket.io/') && annaSockets.push(socket.url()));
		await Promise.all([anna.page.goto(`/tables/${tableId}`), bruno.page.goto(`/tables/${tableId}`)]);
		await markLoaded(anna.page);
		await bruno.page.getByText('Proponi un argomento').click();
		await bruno.page.locator('#topic-title').fill('Trasporto scolastico nei comuni montani');
		await bruno.page.getByRole('button', { name: 'Proponi', exact: true }).click();
		await anna.page.getByRole('heading', { name: 'Trasporto scolastico nei comuni montani' }).waitFor();
		// The page read its data again and kept its one channel (a reload must not open another).
		expect(annaSockets).toHaveLength(1);
		expect(await stillLoaded(anna.page)).toBe(true);
		expect(browserErrors(anna.page)).toEqual([]);
		await Promise.all([anna.context.close(), bruno.context.close()]);
	});

	it('the coordinator moves the meeting and then cancels it from its page; the other page follows', async () => {
		const meetingId = (
			await people.anna.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Primo incontro',
				startsAt: '2027-03-10T15:00:00+01:00',
				endsAt: '2027-03-10T17:00:00+01:00'
			})
		).body.id;
		const anna = await signedIn(people.anna);
		const bruno = await signedIn(people.bruno);
		await Promise.all([anna.page.goto(`/meetings/${meetingId}`), bruno.page.goto(`/meetings/${meetingId}`)]);
		for (const page of [anna.page, bruno.page])
			await expect.poll(() => page.getByTestId('room-connection').textContent()).toContain('In diretta');
		const when = bruno.page.getByTestId('meeting-when');
		expect(await when.textContent()).toBe('mercoledì 10 marzo 2027, dalle 15:00 alle 17:00');
		// A participant has neither control.
		expect(await bruno.page.getByRole('button', { name: "Modifica l'incontro" }).count()).toBe(0);
		expect(await bruno.page.getByRole('button', { name: "Annulla l'incontro" }).count()).toBe(0);
		await markLoaded(bruno.page);

		await anna.page.getByRole('button', { name: "Modifica l'incontro" }).click();
		await anna.page.getByLabel('Ora di fine').fill('14:00');
		await anna.page.getByRole('button', { name: 'Salva le modifiche' }).click();
		// The end before the start is refused beside the field, and nothing changes.
		await anna.page.getByText('La fine deve essere dopo', { exact: false }).waitFor();
		await anna.page.getByLabel('Titolo', { exact: true }).fill('Primo incontro del tavolo');
		await anna.page.getByLabel('Data', { exact: true }).fill('2027-03-12');
		await anna.page.getByLabel('Ora di inizio').fill('10:00');
		await anna.page.getByLabel('Ora di fine').fill('12:30');
		expect(await seriousA11yViolations(anna.page)).toEqual([]);
		await anna.page.getByRole('button', { name: 'Salva le modifiche' }).click();

		await expect.poll(() => when.textContent()).toBe('venerdì 12 marzo 2027, dalle 10:00 alle 12:30');
		await expect.poll(() => bruno.page.getByRole('heading', { level: 1 }).textContent()).toBe('Primo incontro del tavolo');

		await anna.page.getByRole('button', { name: "Annulla l'incontro" }).click();
		const dialog = anna.page.getByRole('alertdialog');
		await dialog.getByText('Non si può tornare indietro', { exact: false }).waitFor();
		await dialog.getByRole('button', { name: 'No, tienilo' }).click();
		expect(await anna.page.getByRole('alertdialog').count()).toBe(0);
		await anna.page.getByRole('button', { name: "Annulla l'incontro" }).click();
		await anna.page.getByLabel('Motivo', { exact: false }).fill('Sovrapposizione con il consiglio comunale');
		await anna.page.getByRole('button', { name: "Sì, annulla l'incontro" }).click();

		await expect.poll(() => bruno.page.getByTestId('meeting-status').textContent()).toContain('Annullato');
		await expect
			.poll(() => bruno.page.getByTestId('meeting-cancelled').textContent())
			.toContain('Sovrapposizione con il consiglio comunale');
		// Nothing is left to start, edit or cancel.
		await expect.poll(() => anna.page.getByRole('button', { name: "Modifica l'incontro" }).count()).toBe(0);
		expect(await anna.page.getByRole('button', { name: "Avvia l'incontro" }).count()).toBe(0);
		expect(await stillLoaded(bruno.page)).toBe(true);
		expect(browserErrors(bruno.page)).toEqual([]);
		expect(browserErrors(anna.page)).toEqual([]);
	});
});
