import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { OpenedVisitors, browserErrors, launchBrowser, seriousA11yViolations } from '../support/browser.ts';

/**
 * The draft editor for a screen reader and the keyboard (issue 13, items 3 and 7): another
 * person's caret and name are not read as part of the text, the list beside the editor says who
 * is editing; Tab leaves a table from its last cell without adding a row to the shared document;
 * Escape closes the link form back to its button; the text is marked Italian in the English UI.
 * Anna works in Italian, Bruno in English.
 */
describe('the draft editor without a mouse or a screen', () => {
	let app: TestApp;
	let browser: Browser;
	const opened = new OpenedVisitors();
	let anna: Page;
	let bruno: Page;

	const annaEditor = () => anna.getByRole('textbox', { name: 'Testo del documento' });
	const brunoEditor = () => bruno.getByRole('textbox', { name: 'Document text' });

	/** The editor's text as assistive technology gets it: text nodes with no aria-hidden ancestor. */
	const accessibleText = (editor: Locator) =>
		editor.evaluate((root) => {
			const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
			let text = '';
			for (let node = walker.nextNode(); node; node = walker.nextNode()) {
				if (!node.parentElement?.closest('[aria-hidden="true"]')) text += (node as Text).data;
			}
			return text;
		});
	/** Where focus is: inside the editor, or the accessible name of the focused element. */
	const focusOf = (page: Page) =>
		page.evaluate(() => {
			const active = document.activeElement;
			if (!active || active === document.body) return 'body';
			if (active.closest('.draft-editor-content')) return 'editor';
			return active.textContent?.trim() || active.getAttribute('aria-label') || active.tagName;
		});
	const rows = (editor: Locator) => editor.locator('tr').count();

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		const annaClient = new ApiClient(app.origin);
		await annaClient.signUp('anna@consorzio.example', 'Anna Coordinatrice');
		const table = (await annaClient.post('/api/v1/tables', { name: 'Tavolo Colline', territory: 'Colline' })).body;
		const brunoClient = new ApiClient(app.origin);
		await brunoClient.signUp('bruno@comune.example', 'Bruno Sindaco');
		await brunoClient.joinTable(annaClient, table.id, { role: 'participant' });
		const document = (
			await annaClient.post(`/api/v1/tables/${table.id}/documents`, { kind: 'protocol', title: 'Protocollo di accoglienza' })
		).body;
		[anna, bruno] = await Promise.all([
			opened.page(browser, app.url, annaClient.sessionCookie),
			opened.page(browser, app.url, brunoClient.sessionCookie)
		]);
		// Bruno chose English (the language switch's cookie).
		await bruno.context().addCookies([{ name: 'tavolo_lang', value: 'en', url: app.url }]);
		await Promise.all([anna.goto(`/documents/${document.id}`), bruno.goto(`/documents/${document.id}`)]);
		// Writable once synced with the server.
		await Promise.all([
			anna.locator('.draft-editor-content[contenteditable="true"]').waitFor(),
			bruno.locator('.draft-editor-content[contenteditable="true"]').waitFor()
		]);
	});

	afterAll(async () => {
		await opened.closeAll();
		await browser?.close();
		await app?.stop();
	});

	it("keeps Bruno's name out of the text Anna's screen reader reads, and lists him as editing", async () => {
		await annaEditor().click();
		await anna.keyboard.type('Articolo 1. Le parti concordano.');
		await brunoEditor().getByText('Articolo 1. Le parti concordano.').waitFor();
		await brunoEditor().click();
		await bruno.keyboard.press('Control+End');

		// Bruno's caret and name are drawn in Anna's text (sighted people still see who is where)…
		const caret = anna.locator('.draft-editor-content .collaboration-carets__caret', { hasText: 'Bruno Sindaco' });
		await caret.waitFor();
		expect(await caret.getAttribute('aria-hidden')).toBe('true');
		// …but not in what is read: neither by a tree walk nor in the accessibility tree.
		const text = await accessibleText(annaEditor());
		expect(text).toContain('Articolo 1. Le parti concordano.');
		expect(text).not.toContain('Bruno');
		const snapshot = await annaEditor().ariaSnapshot();
		expect(snapshot).toContain('Articolo 1');
		expect(snapshot).not.toContain('Bruno');

		// Who is editing is a named list beside the editor, in each person's language.
		await anna.getByRole('list', { name: 'Chi sta scrivendo:' }).getByText('Bruno Sindaco').waitFor();
		await bruno.getByRole('list', { name: 'Who is editing:' }).getByText('Anna Coordinatrice').waitFor();

		// The English interface marks the Italian text as Italian.
		expect(await bruno.locator('html').getAttribute('lang')).toBe('en');
		expect(await brunoEditor().getAttribute('lang')).toBe('it');
		expect(await seriousA11yViolations(anna)).toEqual([]);
	});

	it('lets Tab and Shift+Tab leave a table without adding rows; Alt+Enter adds one', async () => {
		await annaEditor().click();
		await anna.keyboard.press('Control+End');
		await anna.keyboard.press('Enter');
		await anna.getByRole('button', { name: 'Inserisci tabella' }).click();
		await expect.poll(() => rows(annaEditor())).toBe(3);
		await expect.poll(() => rows(brunoEditor())).toBe(3);

		// Inside the table Tab goes from cell to cell; Shift+Tab in the first cell leaves the editor.
		await annaEditor().locator('th').first().click();
		await anna.keyboard.press('Tab');
		expect(await focusOf(anna)).toBe('editor');
		await anna.keyboard.press('Shift+Tab');
		expect(await focusOf(anna)).toBe('editor');
		await anna.keyboard.press('Shift+Tab');
		expect(await focusOf(anna)).toBe('Ripeti');

		// Tab in the last cell leaves the editor too, and the table keeps its three rows.
		await annaEditor().locator('td').last().click();
		await anna.keyboard.type('ultima cella');
		await anna.keyboard.press('Tab');
		await expect.poll(() => focusOf(anna)).not.toBe('editor');
		expect(await focusOf(anna)).not.toBe('body');
		await brunoEditor().getByText('ultima cella').waitFor();
		expect(await rows(annaEditor())).toBe(3);
		expect(await rows(brunoEditor())).toBe(3);
		await anna.getByText("Tab dall'ultima cella e Maiusc+Tab dalla prima escono dall'editor", { exact: false }).waitFor();

		// The documented shortcut adds a row, for both.
		await annaEditor().locator('td').last().click();
		await anna.keyboard.press('Alt+Enter');
		await expect.poll(() => rows(annaEditor())).toBe(4);
		await expect.poll(() => rows(brunoEditor())).toBe(4);
	});

	it('closes the link form with Escape and returns to its button', async () => {
		const button = bruno.getByRole('button', { name: 'Link', exact: true });
		await button.click();
		const address = bruno.getByRole('textbox', { name: 'Link address' });
		await expect.poll(() => address.evaluate((input) => input === document.activeElement)).toBe(true);
		await bruno.keyboard.type('https://example.org');
		await bruno.keyboard.press('Escape');
		await expect.poll(() => address.count()).toBe(0);
		expect(await button.evaluate((element) => element === document.activeElement)).toBe(true);
		expect(await button.getAttribute('aria-expanded')).toBe('false');
		expect(browserErrors(anna)).toEqual([]);
		expect(browserErrors(bruno)).toEqual([]);
	});
});
