import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, seriousA11yViolations, signedInVisitor } from '../support/browser.ts';

/**
 * The bell (issue 14, item 8): a participant with a page open sees the header's count rise when a
 * coordinator makes a document final, without reloading; the list says what happened and leads
 * there; "Segna tutte come lette" empties the count, in this tab and in another one.
 */
describe('the notifications bell', () => {
	let app: TestApp;
	let browser: Browser;
	let coordinator: ApiClient;
	let participant: ApiClient;
	let tableId = '';

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		coordinator = new ApiClient(app.origin);
		await coordinator.signUp('giulia@consorzio.example', 'Giulia Coordinatrice');
		tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Pianura', territory: 'Pianura' })).body.id;
		participant = new ApiClient(app.origin);
		await participant.signUp('bruno@comune.example', 'Bruno Sindaco');
		await participant.joinTable(coordinator, tableId, { role: 'participant' });
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it('rises when another member acts, lists what happened, and is marked read', async () => {
		const { page } = await signedInVisitor(browser, app.url, participant.sessionCookie);
		const other = await signedInVisitor(browser, app.url, participant.sessionCookie);
		const errors = browserErrors(page);
		await Promise.all([page.goto(`/tables/${tableId}`), other.page.goto('/')]);
		const bell = page.getByRole('link', { name: /^Notifiche, / });
		await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifiche, nessuna non letta');

		// The coordinator sends a document to review (coordinators only: Bruno hears nothing), then makes it final.
		const documentId = (await coordinator.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title: 'Protocollo scuole' }))
			.body.id;
		expect((await coordinator.post(`/api/v1/documents/${documentId}/status`, { status: 'in_review' })).status).toBe(200);
		expect((await coordinator.post(`/api/v1/documents/${documentId}/status`, { status: 'final' })).status).toBe(200);
		await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifiche, 1 non letta');
		await expect.poll(() => other.page.getByRole('link', { name: 'Notifiche, 1 non letta' }).count()).toBe(1);
		await page.getByRole('status').filter({ hasText: 'Hai 1 notifica non letta' }).waitFor({ state: 'attached' });

		await bell.click();
		await page.waitForURL('**/notifiche');
		await page.getByRole('heading', { level: 1, name: 'Notifiche' }).waitFor();
		const item = page.getByTestId('notification');
		expect(await item.count()).toBe(1);
		expect(await item.textContent()).toContain('«Protocollo scuole» è ora definitivo (Tavolo Pianura)');
		expect(await item.locator('a').first().getAttribute('href')).toBe(`/documents/${documentId}`);
		expect(await seriousA11yViolations(page)).toEqual([]);

		await page.getByRole('button', { name: 'Segna tutte come lette' }).click();
		await page.getByText('Tutte le notifiche sono segnate come lette.').waitFor();
		await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifiche, nessuna non letta');
		// The other tab heard it over its own connection.
		await expect.poll(() => other.page.getByRole('link', { name: 'Notifiche, nessuna non letta' }).count()).toBe(1);
		expect(await page.getByTestId('notifications-unread').textContent()).toContain('Nessuna notifica non letta');
		expect((await participant.get('/api/v1/notifications')).body.unread).toBe(0);
		expect(errors).toEqual([]);
	});

	it('saves the e-mail preference from the account page', async () => {
		const { page } = await signedInVisitor(browser, app.url, participant.sessionCookie);
		await page.goto('/account');
		const group = page.getByRole('group', { name: 'Email per le notifiche' });
		// bootstrap-italia draws the radio on its label: a person clicks the text.
		await group.getByText(/Un riepilogo al giorno/).click();
		expect(await group.getByRole('radio', { name: /Un riepilogo al giorno/ }).isChecked()).toBe(true);
		await page.getByRole('button', { name: 'Salva la preferenza' }).click();
		await page.getByText('Preferenza salvata.').waitFor();
		expect((await participant.get('/api/v1/notifications/settings')).body.emailMode).toBe('digest');
		await page.reload();
		expect(await page.getByRole('radio', { name: /Un riepilogo al giorno/ }).isChecked()).toBe(true);
	});
});
