import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, OpenedVisitors, seriousA11yViolations } from '../support/browser.ts';
import { meetingWithPeople, type MeetingPeople } from '../support/meeting-people.ts';

/**
 * Amendments (issue 15, item 4), in two browsers: Bruno, a participant, selects a passage of the
 * draft and proposes to replace it; Marta, the moderator, shows the document in the room and puts
 * the amendment to the vote; Bruno votes; once Marta closes the vote, Bruno reads the new text in
 * the room and in the editor, with the amendment marked as applied.
 */
describe('amendments voted in the room', () => {
	let app: TestApp;
	let browser: Browser;
	let people: MeetingPeople;
	let roomPath = '';
	let documentPath = '';
	const visitors = new OpenedVisitors();
	const title = 'Protocollo di accoglienza';

	const editorOf = (page: Page) => page.getByRole('textbox', { name: 'Testo del documento' });
	const panelOf = (page: Page) => page.getByRole('region', { name: 'Emendamenti' });

	/** Selects `words` in the editor as a mouse drag would (as tests/e2e/comments.e2e.ts does). */
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

	async function enterRoom(page: Page) {
		await page.goto(roomPath);
		await page.getByTestId('room-connection').getByText('In diretta').waitFor();
	}

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		const made = await meetingWithPeople(app, {
			table: 'Tavolo Pianura',
			territory: 'Pianura',
			title: 'Incontro sul protocollo',
			startsAt: '2027-02-11T15:00:00+01:00',
			endsAt: '2027-02-11T17:00:00+01:00'
		});
		people = made.people;
		roomPath = `/meetings/${made.meetingId}`;
		const document = (await people.anna.post(`/api/v1/tables/${made.tableId}/documents`, { kind: 'protocol', title })).body;
		documentPath = `/documents/${document.id}`;
	});

	afterAll(async () => {
		await visitors.closeAll();
		await browser?.close();
		await app?.stop();
	});

	it('a participant proposes an amendment on a selection, the room votes it, and the text changes', async () => {
		const bruno = await visitors.page(browser, app.url, people.bruno.sessionCookie);
		const marta = await visitors.page(browser, app.url, people.marta.sessionCookie);

		// Bruno writes the draft, then selects the words to amend.
		await bruno.goto(documentPath);
		await expect.poll(() => editorOf(bruno).getAttribute('contenteditable')).toBe('true');
		await editorOf(bruno).click();
		await bruno.keyboard.type('Le scuole accolgono gli studenti neoarrivati entro trenta giorni.');
		await panelOf(bruno).getByText('Nessuna proposta di emendamento.', { exact: false }).waitFor();
		await select(bruno, 'trenta giorni');
		const proposeButton = bruno.getByRole('toolbar').getByRole('button', { name: 'Proponi un emendamento' });
		await expect.poll(() => proposeButton.isEnabled()).toBe(true);
		await proposeButton.click();
		const form = panelOf(bruno).getByRole('region', { name: 'Nuova proposta di emendamento' });
		await form.getByText('«trenta giorni»').waitFor();
		// The proposed text's field has the focus: Bruno just types.
		await expect.poll(() => bruno.evaluate(() => document.activeElement?.id)).toBe('new-amendment-replacement');
		await bruno.keyboard.type('quindici giorni');
		await form.getByLabel('Motivazione (facoltativa)').fill('Le famiglie non possono aspettare un mese.');
		await form.getByRole('button', { name: "Proponi l'emendamento" }).click();
		const proposed = panelOf(bruno).getByRole('article', { name: 'Proposta di emendamento n. 1' });
		await proposed.getByText('«quindici giorni»').waitFor();
		await proposed.getByText('Proposta da Bruno Sindaco').waitFor();
		expect(await proposed.getByTestId('amendment-status').textContent()).toBe('Proposta');
		await expect.poll(() => bruno.evaluate(() => document.activeElement?.id ?? '')).toMatch(/^amendment-.+-title$/);
		expect(await seriousA11yViolations(bruno)).toEqual([]);

		// Marta starts the meeting and shows the document to everyone; Bruno joins the room.
		await enterRoom(marta);
		await marta.getByRole('button', { name: "Avvia l'incontro" }).click();
		await marta.getByTestId('meeting-status').getByText('In corso').waitFor();
		await marta.getByRole('button', { name: `Mostra a tutti: ${title}` }).click();
		await enterRoom(bruno);
		const roomAmendments = (page: Page) => page.getByRole('region', { name: `Emendamenti a «${title}»` });
		await roomAmendments(bruno).getByRole('article', { name: 'Proposta di emendamento n. 1' }).waitFor();
		// Only the moderator puts it to the vote.
		expect(
			await roomAmendments(bruno)
				.getByRole('button', { name: /Metti ai voti/ })
				.count()
		).toBe(0);

		await roomAmendments(marta).getByRole('button', { name: 'Metti ai voti la proposta di emendamento n. 1' }).click();
		await expect.poll(() => roomAmendments(marta).getByTestId('amendment-status').textContent()).toBe('In votazione');
		await marta
			.getByRole('button', { name: /^Apri la votazione: Emendamento n\. 1 a/ })
			.first()
			.click();

		const ballot = bruno.getByRole('form', { name: /^Il tuo voto: Emendamento n\. 1 a/ });
		// As in live-room.e2e.ts: the styled label covers the radio, so by keyboard.
		await ballot.getByRole('radio', { name: 'Favorevole' }).focus();
		await bruno.keyboard.press('Space');
		await ballot.getByRole('button', { name: 'Vota' }).click();
		await ballot.getByText('Voto registrato.', { exact: false }).waitFor();
		await marta
			.getByRole('button', { name: /^Chiudi la votazione: Emendamento n\. 1 a/ })
			.first()
			.click();

		// Bruno reads the amended text in the room, and the outcome, without reloading.
		await expect.poll(() => bruno.getByTestId('focused-document').textContent(), { timeout: 20_000 }).toContain('entro quindici giorni.');
		expect(await bruno.getByTestId('focused-document').textContent()).not.toContain('trenta');
		await expect
			.poll(() => roomAmendments(bruno).getByTestId('amendment-status').textContent(), { timeout: 20_000 })
			.toBe('Approvata e applicata al testo');
		await roomAmendments(bruno).getByText('Esito: favorevoli 1, contrari 0, astenuti 0').waitFor();
		await expect
			.poll(() => bruno.getByTestId('room-amendments-notice').textContent())
			.toBe('Proposta di emendamento n. 1: Approvata e applicata al testo.');
		expect(await seriousA11yViolations(bruno)).toEqual([]);

		// And in the editor.
		await bruno.goto(documentPath);
		await expect.poll(() => editorOf(bruno).textContent()).toBe('Le scuole accolgono gli studenti neoarrivati entro quindici giorni.');
		await expect
			.poll(() =>
				panelOf(bruno).getByRole('article', { name: 'Proposta di emendamento n. 1' }).getByTestId('amendment-status').textContent()
			)
			.toBe('Approvata e applicata al testo');
		expect(browserErrors(marta)).toEqual([]);
		expect(browserErrors(bruno)).toEqual([]);
	});
});
