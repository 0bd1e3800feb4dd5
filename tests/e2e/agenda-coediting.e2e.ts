import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { meetingWithPeople } from '../support/meeting-people.ts';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, seriousA11yViolations, OpenedVisitors } from '../support/browser.ts';

/**
 * Issue 12, item 1, in the live room with two and three browsers: two people typing in one agenda
 * field at the same time keep both texts whole and in order, and each their caret (a remote change
 * re-set the value and "…Do[mLaanudrea ]d ei partecipanti." came out); a reload in the middle
 * keeps the text; a participant has no way to remove an item while the meeting is live; the
 * moderator's removal is confirmed, announced to the others and undone.
 */
describe('agenda co-editing in the live room', () => {
	let app: TestApp;
	let browser: Browser;
	let roomPath = '';
	const people = {} as Record<'anna' | 'marta' | 'bruno', ApiClient>;
	const opened = new OpenedVisitors();

	async function signedIn(client: ApiClient): Promise<Page> {
		return opened.page(browser, app.url, client.sessionCookie);
	}

	async function enterRoom(page: Page) {
		await page.goto(roomPath);
		await page.getByTestId('agenda-items').locator('li').first().waitFor();
		await expect.poll(() => page.getByTestId('saved-state').textContent()).toContain('Salvato');
	}

	const titleField = (page: Page, n: number) => page.getByLabel('Titolo del punto').nth(n);
	/** In the room an item's fields open from its row (its title). */
	async function openDetails(page: Page, n: number) {
		const details = page.getByTestId('agenda-item-toggle').nth(n - 1);
		if ((await details.getAttribute('aria-expanded')) !== 'true') await details.click();
	}
	const notesField = (page: Page) => page.getByLabel('Note').first();
	const caret = (field: Locator) => field.evaluate((el) => (el as HTMLInputElement).selectionStart);
	const titles = (page: Page) =>
		page.locator('[data-testid="agenda-items"] input[id$="-title"]').evaluateAll((all) => all.map((el) => (el as HTMLInputElement).value));

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		const made = await meetingWithPeople(app, {
			table: 'Tavolo Collina',
			territory: 'Collina',
			title: 'Primo incontro del tavolo',
			startsAt: '2027-01-14T15:00:00+01:00',
			endsAt: '2027-01-14T17:00:00+01:00'
		});
		Object.assign(people, made.people);
		const meeting = { id: made.meetingId };
		roomPath = `/meetings/${meeting.id}`;
		expect((await people.anna.post(`/api/v1/meetings/${meeting.id}/status`, { status: 'live' })).status).toBe(200);
	});

	afterAll(async () => {
		await opened.closeAll();
		await browser?.close();
		await app?.stop();
	});

	let marta: Page;
	let bruno: Page;

	it('keeps both texts whole and in order, and each caret, when two people type in one field at once; a reload keeps the text', async () => {
		[marta, bruno] = await Promise.all([signedIn(people.marta), signedIn(people.bruno)]);
		await Promise.all([enterRoom(marta), enterRoom(bruno)]);
		const original = await titleField(marta, 0).inputValue();
		expect(original.length).toBeGreaterThan(12);

		// Two places in one title: Bruno after its first word, Marta at its end.
		const firstWord = original.split(' ')[0];
		await Promise.all([openDetails(marta, 1), openDetails(bruno, 1)]);
		await titleField(bruno, 0).click();
		await titleField(bruno, 0).evaluate((el, at) => (el as HTMLInputElement).setSelectionRange(at, at), firstWord.length);
		await titleField(marta, 0).click();
		await titleField(marta, 0).press('End');
		// Each sees who else is typing in the field.
		await marta.getByTestId('field-typing').getByText('Bruno Sindaco sta scrivendo in questo campo').waitFor();
		await bruno.getByTestId('field-typing').getByText('Marta Moderatrice sta scrivendo in questo campo').waitFor();

		await Promise.all([marta.keyboard.type(' (testo di Marta)', { delay: 40 }), bruno.keyboard.type(' [testo di Bruno]', { delay: 40 })]);
		const expected = `${firstWord} [testo di Bruno]${original.slice(firstWord.length)} (testo di Marta)`;
		await expect.poll(() => titleField(marta, 0).inputValue()).toBe(expected);
		await expect.poll(() => titleField(bruno, 0).inputValue()).toBe(expected);
		expect(await caret(titleField(marta, 0))).toBe(expected.length);
		expect(await caret(titleField(bruno, 0))).toBe(`${firstWord} [testo di Bruno]`.length);

		// Both at the very same spot (the end of the first item's notes): each word stays whole, and
		// each caret stays right after its owner's own text.
		await notesField(marta).click();
		await notesField(bruno).click();
		await Promise.all([marta.keyboard.type('alfa beta gamma', { delay: 40 }), bruno.keyboard.type('uno due tre', { delay: 40 })]);
		const both = ['alfa beta gammauno due tre', 'uno due trealfa beta gamma'];
		await expect.poll(async () => both.includes(await notesField(marta).inputValue())).toBe(true);
		const notes = await notesField(marta).inputValue();
		await expect.poll(() => notesField(bruno).inputValue()).toBe(notes);
		expect(notes.slice(0, (await caret(notesField(marta)))!)).toMatch(/alfa beta gamma$/);
		expect(notes.slice(0, (await caret(notesField(bruno)))!)).toMatch(/uno due tre$/);

		// Bruno reloads while Marta goes on typing: nothing is lost on either side.
		await notesField(marta).press('End');
		await Promise.all([bruno.reload(), marta.keyboard.type(' e ancora', { delay: 40 })]);
		await bruno.getByTestId('agenda-items').locator('li').first().waitFor();
		await openDetails(bruno, 1);
		await expect.poll(() => notesField(bruno).inputValue()).toBe(`${notes} e ancora`);
		await expect.poll(() => titleField(bruno, 0).inputValue()).toBe(expected);
		await expect.poll(() => marta.getByTestId('saved-state').textContent()).toContain('Salvato');
		expect(browserErrors(marta)).toEqual([]);
	});

	it('gives a participant no way to add, move or remove items while the meeting is live; the fields stay editable', async () => {
		await bruno.getByTestId('agenda-structure-locked').waitFor();
		expect(await bruno.getByRole('button', { name: /^Elimina il punto/ }).count()).toBe(0);
		expect(await bruno.getByRole('button', { name: /^Sposta/ }).count()).toBe(0);
		expect(await bruno.getByRole('button', { name: 'Aggiungi punto' }).count()).toBe(0);
		// The moderator has them.
		expect(await marta.getByRole('button', { name: 'Elimina il punto 2' }).count()).toBe(1);
		expect(await marta.getByRole('button', { name: 'Aggiungi punto' }).count()).toBe(1);
		expect(await seriousA11yViolations(bruno)).toEqual([]);
	});

	it('asks the moderator to confirm a removal, tells the others who removed which item, and undoes it', async () => {
		const before = await titles(marta);
		expect(before.length).toBeGreaterThanOrEqual(3);
		await marta.getByRole('button', { name: 'Elimina il punto 2' }).click();
		const dialog = marta.getByRole('alertdialog');
		await dialog.getByText('Eliminare il punto 2?').waitFor();
		expect(await seriousA11yViolations(marta)).toEqual([]);
		// Escape keeps it, and focus is back on the button that asked (issue 13, item 7).
		await marta.keyboard.press('Escape');
		await expect.poll(() => dialog.count()).toBe(0);
		const removeButton = marta.getByRole('button', { name: 'Elimina il punto 2' });
		await expect.poll(() => removeButton.evaluate((button) => button === document.activeElement)).toBe(true);
		// Keeping it changes nothing.
		await removeButton.click();
		await dialog.getByRole('button', { name: 'Mantieni il punto' }).click();
		await expect.poll(() => dialog.count()).toBe(0);
		expect(await titles(bruno)).toEqual(before);

		await marta.getByRole('button', { name: 'Elimina il punto 2' }).click();
		await marta.getByRole('alertdialog').getByRole('button', { name: 'Elimina il punto' }).click();
		const without = [before[0], ...before.slice(2)];
		await expect.poll(() => titles(bruno)).toEqual(without);
		await expect
			.poll(() => bruno.getByTestId('agenda-notices').textContent())
			.toContain(`Marta Moderatrice ha rimosso il punto 2 «${before[1]}».`);
		const own = marta.getByTestId('agenda-notice').filter({ hasText: `Hai rimosso il punto 2 «${before[1]}».` });
		await own.getByRole('button', { name: 'Annulla la rimozione del punto 2' }).click();
		await expect.poll(() => titles(bruno)).toEqual(before);
		await expect.poll(() => titles(marta)).toEqual(before);
		await expect.poll(() => marta.getByTestId('agenda-notices').textContent()).toContain(`Punto 2 «${before[1]}» ripristinato.`);
		// Two removals, undone in the other order: each "Annulla" brings back its own item.
		for (const n of [3, 1]) {
			await marta.getByRole('button', { name: `Elimina il punto ${n}` }).click();
			await marta.getByRole('alertdialog').getByRole('button', { name: 'Elimina il punto' }).click();
			await expect.poll(() => marta.getByRole('alertdialog').count()).toBe(0);
		}
		await expect.poll(() => titles(bruno)).toEqual([before[1], ...before.slice(3)]);
		await marta.getByRole('button', { name: 'Annulla la rimozione del punto 3' }).click();
		await expect.poll(() => titles(bruno)).toEqual(before.slice(1));
		await marta.getByRole('button', { name: 'Annulla la rimozione del punto 1' }).click();
		await expect.poll(() => titles(bruno)).toEqual(before);
		// And it is saved: a reload shows it back.
		await expect.poll(() => marta.getByTestId('saved-state').textContent()).toContain('Salvato');
		await bruno.reload();
		await bruno.getByTestId('agenda-items').locator('li').first().waitFor();
		await expect.poll(() => titles(bruno)).toEqual(before);
		expect(browserErrors(marta)).toEqual([]);
		expect(browserErrors(bruno)).toEqual([]);
	});

	it('brings the item in focus into view below the sticky timer, never under it', async () => {
		for (let i = 1; i <= 5; i++) {
			await marta.getByRole('button', { name: 'Aggiungi punto' }).click();
			await marta.keyboard.type(`Punto in più ${i}`);
		}
		await expect.poll(async () => (await titles(bruno)).length).toBe((await titles(marta)).length);
		// Bruno has scrolled to the end of the agenda; the moderator puts item 2 in focus, so his
		// column scrolls up to it.
		const column = bruno.getByRole('region', { name: 'Ordine del giorno e tempo' });
		await column.evaluate((el) => (el.scrollTop = el.scrollHeight));
		expect(await column.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
		await marta.getByRole('button', { name: 'Metti a fuoco il punto 2' }).click();
		const placement = () =>
			column.evaluate((el) => {
				const item = el.querySelector('.agenda-item.focused');
				const timer = el.querySelector('.timer-panel');
				if (!item || !timer) return null;
				return { item: Math.round(item.getBoundingClientRect().top), timer: Math.round(timer.getBoundingClientRect().bottom) };
			});
		await expect
			.poll(async () => {
				const at = await placement();
				return at !== null && at.item >= at.timer;
			})
			.toBe(true);
		// At the top of the column's view, just below the timer.
		await expect.poll(async () => (await placement())!.item - (await placement())!.timer).toBeLessThan(40);
	});
});
