import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { meetingWithPeople, type MeetingPeople } from '../support/meeting-people.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, seriousA11yViolations, OpenedVisitors } from '../support/browser.ts';
import { closeClients, openClient, synced } from '../support/editor-clients.ts';
import { waitUntil } from '../support/wait-until.ts';
import { addItem, agendaItems } from '../../src/lib/agenda/agenda-doc.ts';
import { agendaDocName } from '../../src/lib/realtime/doc-names.ts';

/**
 * Issue 13, item 6: getting around the live room by keyboard, for a participant with a six-item
 * agenda and an open poll. The room's skip links reach the ballot and "Alza la mano" in a few Tab
 * presses (the agenda is one Tab stop: the arrows move between its rows); every agenda field has a
 * name of its own; a removal confirmed by keyboard leaves focus on the next item; and a participant
 * typing in the agenda keeps the field in view when the moderator moves on, and is told where.
 */
describe('getting around the live room by keyboard', () => {
	let app: TestApp;
	let browser: Browser;
	let roomPath = '';
	let pollId = '';
	let people: MeetingPeople;
	const opened = new OpenedVisitors();
	let marta: Page;
	let bruno: Page;
	const question = 'Approviamo il calendario degli incontri?';

	async function enterRoom(page: Page) {
		await page.goto(roomPath);
		await page.getByTestId('room-connection').getByText('In diretta').waitFor();
		await page.getByTestId('agenda-items').locator(':scope > li').nth(5).waitFor({ state: 'attached' });
	}

	/** What has the keyboard: tag, id, and name as the user would hear it (roughly). */
	const focused = (page: Page) =>
		page.evaluate(() => {
			const el = document.activeElement as HTMLElement;
			return {
				tag: el.tagName,
				id: el.id,
				text: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().replace(/\s+/g, ' '),
				ballot: el instanceof HTMLInputElement && el.type === 'radio' && el.closest('[data-testid="current-poll"]') !== null
			};
		});

	/** Set LIVE_ROOM_SCREENSHOTS=<folder> to keep screenshots of the room at 1280×720. */
	async function screenshot(page: Page, name: string) {
		const folder = process.env.LIVE_ROOM_SCREENSHOTS;
		if (folder) await page.screenshot({ path: `${folder}/${name}.png` });
	}

	/** Puts the keyboard back at the very start of the page, as after loading it. */
	async function fromTop(page: Page) {
		await page.evaluate(() => {
			document.body.tabIndex = -1;
			document.body.focus();
			document.body.removeAttribute('tabindex');
		});
	}

	/** Presses Tab until `reached` holds for what has focus; the number of presses, or Infinity. */
	async function tabUntil(page: Page, reached: (el: Awaited<ReturnType<typeof focused>>) => boolean, max = 60) {
		for (let presses = 1; presses <= max; presses++) {
			await page.keyboard.press('Tab');
			if (reached(await focused(page))) return presses;
		}
		return Infinity;
	}

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		const made = await meetingWithPeople(app, {
			table: 'Tavolo Pianura',
			territory: 'Pianura',
			title: 'Terzo incontro del tavolo',
			startsAt: '2027-01-14T15:00:00+01:00',
			endsAt: '2027-01-14T18:00:00+01:00'
		});
		people = made.people;
		roomPath = `/meetings/${made.meetingId}`;
		// Six items: the coordinator, as a co-editor, completes the template before the meeting.
		const agenda = openClient(
			app.origin.replace(/^http/, 'ws') + '/yjs',
			app.origin,
			agendaDocName(made.meetingId),
			people.anna.sessionCookie
		);
		await synced(agenda);
		for (let n = agendaItems(agenda.doc).length + 1; n <= 6; n++) addItem(agenda.doc, { title: `Punto aggiunto ${n}`, minutes: 10 });
		await waitUntil(() => agenda.isSaved(), 10_000, 'the agenda saved');
		expect(agendaItems(agenda.doc).length).toBe(6);
		closeClients();
		expect((await people.anna.post(`/api/v1/meetings/${made.meetingId}/status`, { status: 'live' })).status).toBe(200);
		const poll = await people.marta.post(`/api/v1/meetings/${made.meetingId}/polls`, { question, kind: 'yesno' });
		expect(poll.status).toBe(201);
		pollId = poll.body.id;
		expect((await people.marta.post(`/api/v1/polls/${pollId}/open`)).status).toBe(200);
		[marta, bruno] = await Promise.all([
			opened.page(browser, app.url, people.marta.sessionCookie),
			opened.page(browser, app.url, people.bruno.sessionCookie)
		]);
		await Promise.all([enterRoom(marta), enterRoom(bruno)]);
		await marta.getByRole('button', { name: 'Metti a fuoco il punto 2' }).click();
		await bruno.getByTestId('focus-item').getByRole('heading', { name: /^2\. / }).waitFor();
	});

	afterAll(async () => {
		closeClients();
		await opened.closeAll();
		await browser?.close();
		await app?.stop();
	});

	const isBallot = (el: { ballot: boolean }) => el.ballot;
	const isRaiseHand = (el: { text: string }) => el.text.includes('Alza la mano');

	it('takes a participant to the ballot and to "Alza la mano" in at most 10 Tab presses; the agenda is one Tab stop', async () => {
		await bruno
			.getByRole('form', { name: `Il tuo voto: ${question}` })
			.getByRole('radio', { name: 'Favorevole' })
			.waitFor();

		// Through the room's skip links: Tab to "Vai alla votazione", Enter, Tab into the ballot.
		await fromTop(bruno);
		expect(await tabUntil(bruno, () => true)).toBe(1);
		expect((await focused(bruno)).text).toBe('Vai al contenuto');
		const toPollLink = 1 + (await tabUntil(bruno, (el) => el.text === 'Vai alla votazione'));
		await bruno.keyboard.press('Enter');
		expect(await focused(bruno)).toMatchObject({ tag: 'H3', text: question });
		const toBallot = toPollLink + (await tabUntil(bruno, isBallot, 5));
		expect(toBallot).toBeLessThanOrEqual(10);
		await screenshot(bruno, 'room-navigation-ballot');

		await fromTop(bruno);
		const toSpeakersLink = await tabUntil(bruno, (el) => el.text === 'Vai agli interventi');
		await bruno.keyboard.press('Enter');
		expect(await focused(bruno)).toMatchObject({ tag: 'H2', text: 'Lista degli interventi' });
		const toHand = toSpeakersLink + (await tabUntil(bruno, isRaiseHand, 5));
		expect(toHand).toBeLessThanOrEqual(10);

		// Tab alone, from the top: past the header (its skip link, notification bell and account
		// controls) and the room's skip links, the six items are one stop, so the ballot and the
		// raised hand come right after the agenda, the library's one "Aggiungi un file" button, the
		// topic form (its "Proponi" stays focusable while there is nothing to send: aria-disabled,
		// never disabled, issue 13) and "Segui il moderatore".
		await fromTop(bruno);
		const stops: string[] = [];
		let byTab = Infinity;
		for (let presses = 1; presses <= 40; presses++) {
			await bruno.keyboard.press('Tab');
			const el = await focused(bruno);
			stops.push(el.id);
			if (isBallot(el)) {
				byTab = presses;
				break;
			}
		}
		expect(stops.filter((id) => id.endsWith('-toggle'))).toHaveLength(1);
		expect(byTab, stops.join(' → ')).toBeLessThanOrEqual(17);
		console.log(`Tab presses: ballot ${toBallot} (skip link), ${byTab} (Tab only); raise hand ${toHand} (skip link)`);

		// In the list the arrows move between items, and tell where one is.
		const first = bruno.getByTestId('agenda-item-toggle').first();
		await first.focus();
		await bruno.keyboard.press('ArrowDown');
		const second = bruno.getByTestId('agenda-item-toggle').nth(1);
		expect(await second.evaluate((el) => el === document.activeElement)).toBe(true);
		expect(await second.getAttribute('tabindex')).toBe('0');
		expect(await first.getAttribute('tabindex')).toBe('-1');
		expect(await second.getAttribute('aria-expanded')).toBe('false');
		const description = await second.evaluate((el) =>
			(el.getAttribute('aria-describedby') ?? '')
				.split(' ')
				.map((id) => document.getElementById(id)?.textContent ?? '')
				.join(' ')
				.replace(/\s+/g, ' ')
		);
		expect(description).toContain('Punto 2 di 6');
		expect(description).toContain('In focus');
		await bruno.keyboard.press('End');
		expect(
			await bruno
				.getByTestId('agenda-item-toggle')
				.nth(5)
				.evaluate((el) => el === document.activeElement)
		).toBe(true);
		expect(await seriousA11yViolations(bruno)).toEqual([]);
	});

	it('moves focus to each region heading from its skip link, also where the panels are tabs; no vote, no "Vai alla votazione"', async () => {
		const skip = (page: Page, name: string) =>
			page.getByRole('navigation', { name: 'Scorciatoie della stanza' }).getByRole('link', { name });
		const expected: Array<[string, string, string]> = [
			['Vai alla votazione', 'H3', question],
			['Vai agli interventi', 'H2', 'Lista degli interventi'],
			["Vai all'ordine del giorno", 'H2', 'Ordine del giorno']
		];
		for (const [link, tag, text] of expected) {
			await skip(bruno, link).focus();
			if (link === 'Vai agli interventi') await screenshot(bruno, 'room-navigation-skip-link');
			// Shown as it gets the keyboard.
			expect((await skip(bruno, link).boundingBox())!.width).toBeGreaterThan(20);
			await bruno.keyboard.press('Enter');
			await expect.poll(() => focused(bruno)).toMatchObject({ tag, text });
		}

		// A tablet: one panel at a time; the link selects the panel's tab first.
		const tablet = await opened.page(browser, app.url, people.bruno.sessionCookie);
		await tablet.setViewportSize({ width: 800, height: 1000 });
		await enterRoom(tablet);
		for (const [link, tag, text] of expected) {
			await skip(tablet, link).focus();
			await tablet.keyboard.press('Enter');
			await expect.poll(() => focused(tablet)).toMatchObject({ tag, text });
			expect(await tablet.getByRole('heading', { name: text, exact: true }).isVisible()).toBe(true);
		}

		// With no poll open there is nothing to vote on: the link goes.
		expect((await people.marta.post(`/api/v1/polls/${pollId}/close`)).status).toBe(200);
		await expect.poll(() => skip(tablet, 'Vai alla votazione').count()).toBe(0);
		expect(await skip(tablet, 'Vai agli interventi').count()).toBe(1);
		expect(browserErrors(tablet)).toEqual([]);
	});

	it('names every field of every agenda item on its own', async () => {
		for (let n = 1; n <= 6; n++) {
			const toggle = bruno.getByTestId('agenda-item-toggle').nth(n - 1);
			if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
		}
		const names = await bruno
			.getByTestId('agenda-items')
			.locator('input, textarea, select')
			.evaluateAll((fields) => fields.map((f) => (f as HTMLInputElement).labels?.[0]?.textContent?.trim() ?? ''));
		expect(names).toHaveLength(30);
		expect(new Set(names).size).toBe(30);
		for (const name of ['Titolo del punto 2', 'Relatore del punto 2', 'Minuti del punto 2', 'Note del punto 2', 'Stato del punto 2']) {
			expect(await bruno.getByLabel(name, { exact: true }).count()).toBe(1);
		}
		for (let n = 1; n <= 6; n++)
			await bruno
				.getByTestId('agenda-item-toggle')
				.nth(n - 1)
				.click();
	});

	it('keeps a typing participant in the field when the moderator moves on, and says where the moderator is', async () => {
		const column = bruno.getByRole('region', { name: 'Ordine del giorno e tempo' });
		await bruno.getByTestId('agenda-item-toggle').nth(5).click();
		const notes = bruno.getByLabel('Note del punto 6', { exact: true });
		await notes.click();
		await bruno.keyboard.type('Una nota ');
		const firstToggle = await marta.getByTestId('agenda-item-toggle').first().getAttribute('id');
		await marta.getByRole('button', { name: 'Metti a fuoco il punto 1' }).focus();
		await marta.keyboard.press('Enter');
		const notice = bruno.getByTestId('moderator-elsewhere');
		await notice.getByText('Il moderatore è sul punto 1.').waitFor();
		await screenshot(bruno, 'room-navigation-moderator-elsewhere');
		await bruno.keyboard.type('che continua');
		expect(await notes.inputValue()).toBe('Una nota che continua');
		expect(await notes.evaluate((el) => el === document.activeElement)).toBe(true);
		const inView = await column.evaluate((col) => {
			const field = document.getElementById(document.activeElement!.id)!.getBoundingClientRect();
			const view = col.getBoundingClientRect();
			return field.top >= view.top && field.bottom <= view.bottom;
		});
		expect(inView).toBe(true);

		// "Vai al punto 1" takes them there.
		// The moderator's keyboard stayed on item 1, its "Metti a fuoco" gone.
		expect((await focused(marta)).id).toBe(firstToggle);
		await notice.getByRole('button', { name: 'Vai al punto 1' }).click();
		await expect.poll(() => notice.textContent()).toBe('');
		expect((await focused(bruno)).text).toMatch(/^▸ 1\. /);
		expect(browserErrors(bruno)).toEqual([]);
	});

	it("reaches the moderator's controls of an item by keyboard, and leaves focus on the next item once a removal is confirmed", async () => {
		const ids = await marta.getByTestId('agenda-item-toggle').evaluateAll((all) => all.map((el) => el.id));
		// Down the list to item 3, then along its row: focus, move up, move down, remove.
		await marta.getByTestId('agenda-item-toggle').first().focus();
		await marta.keyboard.press('ArrowDown');
		await marta.keyboard.press('ArrowDown');
		expect((await focused(marta)).id).toBe(ids[2]);
		const row: string[] = [];
		for (let i = 0; i < 4; i++) {
			await marta.keyboard.press('Tab');
			row.push((await focused(marta)).text);
		}
		await screenshot(marta, 'room-navigation-moderator-row');
		expect(row).toEqual(['Metti a fuoco il punto 3', 'Sposta su il punto 3', 'Sposta giù il punto 3', 'Elimina il punto 3']);
		expect(await seriousA11yViolations(marta)).toEqual([]);

		await marta.keyboard.press('Enter');
		const dialog = marta.getByRole('alertdialog');
		await dialog.getByText('Eliminare il punto 3?').waitFor();
		expect(await tabUntil(marta, (el) => el.text === 'Elimina il punto', 3)).toBeLessThanOrEqual(3);
		await marta.keyboard.press('Enter');
		await expect.poll(() => marta.getByTestId('agenda-item-toggle').count()).toBe(5);
		await expect.poll(async () => (await focused(marta)).id).toBe(ids[3]);
		expect(browserErrors(marta)).toEqual([]);
	});
});
