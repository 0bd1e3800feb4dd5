import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, seriousA11yViolations, signedInVisitor } from '../support/browser.ts';

/**
 * Comments beside the text (issue 5, point 3): a coordinator moves a draft to review, a
 * participant selects words and comments on them mentioning the coordinator; the coordinator,
 * in another browser, sees the highlighted words and the thread, replies and resolves it; the
 * participant sees it resolved. Text typed before the words leaves the highlight on them.
 */
describe('comments anchored to the text', () => {
	let app: TestApp;
	let browser: Browser;
	let documentPath = '';
	const people = {} as Record<'anna' | 'bruno', ApiClient>;

	async function signedIn(client: ApiClient): Promise<{ context: BrowserContext; page: Page }> {
		return signedInVisitor(browser, app.url, client.sessionCookie);
	}

	const editorOf = (page: Page) => page.getByRole('textbox', { name: 'Testo del documento' });
	const panelOf = (page: Page) => page.getByRole('region', { name: 'Commenti' });
	/** The words the open threads highlight in the editor, joined (a highlight may span several spans). */
	const highlightedText = (page: Page) =>
		page.locator('.draft-editor-content .comment-anchor').evaluateAll((spans) => spans.map((span) => span.textContent).join(''));

	/** Selects `words` in the editor as a mouse drag would. */
	async function select(page: Page, words: string): Promise<void> {
		await editorOf(page).click();
		await page.evaluate((target) => {
			const root = document.querySelector('.draft-editor-content')!;
			const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
			for (let node = walker.nextNode(); node; node = walker.nextNode()) {
				const index = (node as Text).data.indexOf(target);
				if (index < 0) continue;
				const range = document.createRange();
				range.setStart(node, index);
				range.setEnd(node, index + target.length);
				const selection = getSelection()!;
				selection.removeAllRanges();
				selection.addRange(range);
				return;
			}
			throw new Error(`"${target}" is not in the editor`);
		}, words);
	}

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

	it('comments on selected words with a mention; the coordinator replies and resolves; the highlight follows the words', async () => {
		const anna = await signedIn(people.anna);
		const bruno = await signedIn(people.bruno);
		await Promise.all([anna.page.goto(documentPath), bruno.page.goto(documentPath)]);
		await expect.poll(() => editorOf(bruno.page).getAttribute('contenteditable')).toBe('true');
		await editorOf(bruno.page).click();
		await bruno.page.keyboard.type('Le scuole accolgono gli studenti neoarrivati.');
		await editorOf(anna.page).getByText('gli studenti neoarrivati', { exact: false }).waitFor();
		await panelOf(bruno.page).getByText('Nessuna discussione aperta.').waitFor();

		await anna.page.getByRole('button', { name: 'Invia in revisione' }).click();
		await expect.poll(() => anna.page.getByTestId('document-status').textContent()).toContain('In revisione');

		// Bruno selects the words and comments on them, mentioning Anna.
		await select(bruno.page, 'gli studenti');
		const commentButton = bruno.page.getByRole('toolbar').getByRole('button', { name: 'Commenta' });
		await expect.poll(() => commentButton.isEnabled()).toBe(true);
		await commentButton.click();
		const newComment = panelOf(bruno.page).getByRole('region', { name: 'Nuovo commento' });
		await newComment.getByText('«gli studenti»').waitFor();
		// The comment box has the focus: Bruno just types.
		await expect.poll(() => bruno.page.evaluate(() => document.activeElement?.id)).toBe('new-comment-body');
		await newComment.getByLabel('Commento').fill('Servono anche i mediatori culturali?');
		await newComment.getByLabel('Menziona un membro').selectOption({ label: 'Anna Coordinatrice' });
		await newComment.getByRole('button', { name: 'Aggiungi menzione' }).click();
		expect(await newComment.getByLabel('Commento').inputValue()).toBe('Servono anche i mediatori culturali? @Anna Coordinatrice ');
		await newComment.getByRole('button', { name: 'Pubblica commento' }).click();
		const brunoThread = panelOf(bruno.page).getByRole('article', { name: /gli studenti/ });
		await brunoThread.getByText('Servono anche i mediatori culturali?', { exact: false }).waitFor();
		// The form went with the posting: focus is on the new comment, not on <body> (issue 13).
		await expect.poll(() => bruno.page.evaluate(() => document.activeElement?.id ?? '')).toMatch(/^thread-.+-quote$/);
		await expect.poll(() => highlightedText(bruno.page)).toBe('gli studenti');
		expect(await seriousA11yViolations(bruno.page)).toEqual([]);

		// Anna, without reloading, sees the thread (she is mentioned) and the highlighted words.
		const annaThread = panelOf(anna.page).getByRole('article', { name: /gli studenti/ });
		await annaThread.getByText('Servono anche i mediatori culturali?', { exact: false }).waitFor({ timeout: 15_000 });
		await annaThread.getByText('Sei menzionato').waitFor();
		await expect.poll(() => highlightedText(anna.page)).toBe('gli studenti');

		// Clicking the highlight selects the thread beside the text.
		await anna.page.locator('.draft-editor-content .comment-anchor').first().click();
		await expect.poll(() => annaThread.getAttribute('aria-current')).toBe('true');

		// Text typed before the words leaves the highlight on the same words, for both of them.
		await anna.page.keyboard.press('Control+Home');
		await anna.page.keyboard.type('Di norma, ');
		// (Anna's caret and its name label sit inside the paragraph on Bruno's side.)
		await expect.poll(() => editorOf(bruno.page).textContent()).toMatch(/^Di norma, .*Le scuole/);
		await expect.poll(() => highlightedText(anna.page)).toBe('gli studenti');
		await expect.poll(() => highlightedText(bruno.page)).toBe('gli studenti');

		await annaThread.getByRole('button', { name: 'Rispondi' }).click();
		await annaThread.getByLabel('Risposta').fill('Sì, li aggiungiamo all’articolo 2.');
		await annaThread.getByRole('button', { name: 'Rispondi' }).click();
		await annaThread.getByText('Sì, li aggiungiamo all’articolo 2.').waitFor();
		await expect.poll(() => anna.page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Rispondi');
		expect(await seriousA11yViolations(anna.page)).toEqual([]);
		await annaThread.getByRole('button', { name: 'Risolvi' }).click();
		await panelOf(anna.page).getByRole('button', { name: 'Risolte (1)' }).waitFor();
		await expect.poll(() => anna.page.locator('.draft-editor-content .comment-anchor').count()).toBe(0);

		// Bruno sees it resolved, with the reply, without reloading.
		await panelOf(bruno.page).getByRole('button', { name: 'Risolte (1)' }).waitFor({ timeout: 15_000 });
		await expect.poll(() => bruno.page.locator('.draft-editor-content .comment-anchor').count()).toBe(0);
		await panelOf(bruno.page).getByRole('button', { name: 'Risolte (1)' }).click();
		const resolved = panelOf(bruno.page).getByRole('article', { name: /gli studenti/ });
		await resolved.getByText('Risolta da Anna Coordinatrice').waitFor();
		await resolved.getByText('Sì, li aggiungiamo all’articolo 2.').waitFor();
		expect(await seriousA11yViolations(bruno.page)).toEqual([]);

		// The coordinator finalizes: the comments stay readable, no new ones can be written.
		await anna.page.getByLabel('Nota della versione definitiva (facoltativa)').fill('Approvato');
		await anna.page.getByRole('button', { name: 'Rendi definitivo' }).click();
		await expect.poll(() => anna.page.getByTestId('document-status').textContent()).toContain('Definitivo');
		await panelOf(bruno.page).getByText('Il documento è definitivo', { exact: false }).waitFor({ timeout: 15_000 });
		expect(await bruno.page.getByRole('toolbar').getByRole('button', { name: 'Commenta' }).count()).toBe(0);
		expect(await panelOf(bruno.page).getByRole('article').count()).toBe(1);
		expect(await seriousA11yViolations(bruno.page)).toEqual([]);
		expect(browserErrors(anna.page)).toEqual([]);
		expect(browserErrors(bruno.page)).toEqual([]);
		await Promise.all([anna.context.close(), bruno.context.close()]);
	});
});
