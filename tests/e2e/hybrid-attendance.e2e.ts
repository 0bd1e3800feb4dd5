import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { meetingWithPeople } from '../support/meeting-people.ts';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, seriousA11yViolations, OpenedVisitors } from '../support/browser.ts';

/**
 * Issue 12, item 5, in two browsers: the moderator checks in a guest present in the council
 * chamber, and the participant's presence list shows them, marked "in sala", also after a
 * reload; the moderator checks them out and they are gone. The participant has no such form.
 */
describe('hybrid attendance in the live room', () => {
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
		await page.getByTestId('room-connection').getByText('In diretta').waitFor();
	}

	/** Bootstrap Italia draws a radio with its label (the input itself is hidden): one clicks the label, as a person does. */
	async function choose(page: Page, label: string) {
		await page.locator('label', { hasText: label }).click();
		await expect.poll(() => page.getByRole('radio', { name: label }).isChecked()).toBe(true);
	}

	const presenceList = (page: Page) => page.getByRole('list', { name: 'Persone nella stanza' });

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		const made = await meetingWithPeople(app, {
			table: 'Tavolo Montagna',
			territory: 'Montagna',
			title: 'Incontro in sala consiliare',
			startsAt: '2027-05-06T15:00:00+02:00',
			endsAt: '2027-05-06T17:00:00+02:00'
		});
		Object.assign(people, made.people);
		const meeting = { id: made.meetingId };
		expect((await people.anna.post(`/api/v1/meetings/${meeting.id}/status`, { status: 'live' })).status).toBe(200);
		roomPath = `/meetings/${meeting.id}`;
	});

	afterAll(async () => {
		await opened.closeAll();
		await browser?.close();
		await app?.stop();
	});

	it('shows a guest the moderator checks in to the other browser, by mode, until checked out', async () => {
		const marta = await signedIn(people.marta);
		const bruno = await signedIn(people.bruno);
		await Promise.all([enterRoom(marta), enterRoom(bruno)]);
		await presenceList(bruno).getByText('Marta Moderatrice').waitFor();
		// Only those who run the meeting check people in.
		expect(await bruno.getByText('Registra presenze in sala e in videochiamata').count()).toBe(0);

		await marta.getByText('Registra presenze in sala e in videochiamata').click();
		await choose(marta, 'Ospite (per nome)');
		await marta.getByLabel('Nome e cognome').fill('Luca Preside');
		await marta.getByLabel('Categoria', { exact: true }).selectOption({ label: 'Dirigenti scolastici e/o Funzioni strumentali' });
		await marta.getByLabel('Ente di appartenenza').fill('IC Abetone');
		await choose(marta, 'in sala');
		expect(await seriousA11yViolations(marta)).toEqual([]);
		await marta.getByRole('button', { name: 'Registra presenza' }).click();
		await marta.getByText('Luca Preside: presente in sala.').waitFor();

		const guest = presenceList(bruno).getByRole('listitem').filter({ hasText: 'Luca Preside' });
		await guest.getByText('in sala', { exact: true }).waitFor();
		await guest.getByText('IC Abetone', { exact: false }).waitFor();
		await expect.poll(() => bruno.getByRole('heading', { name: /Presenti ora: \d+/ }).textContent()).toBe('Presenti ora: 3');
		await expect.poll(() => guest.getByRole('button').count()).toBe(0);

		// A reload in the middle: the list the page reads again says the same.
		await bruno.reload();
		await bruno.getByTestId('room-connection').getByText('In diretta').waitFor();
		await presenceList(bruno).getByRole('listitem').filter({ hasText: 'Luca Preside' }).getByText('in sala', { exact: true }).waitFor();

		// A member on the video call only.
		await choose(marta, 'Componente del tavolo');
		await expect.poll(() => marta.getByLabel('Componente', { exact: true }).locator('option').count()).toBeGreaterThan(1);
		await marta.getByLabel('Componente', { exact: true }).selectOption({ label: 'Anna Coordinatrice' });
		await choose(marta, 'in videochiamata');
		await marta.getByRole('button', { name: 'Registra presenza' }).click();
		await presenceList(bruno).getByRole('listitem').filter({ hasText: 'Anna Coordinatrice' }).getByText('in videochiamata').waitFor();
		// Twice: the server refuses, and the moderator reads why beside the form.
		await marta.getByLabel('Componente', { exact: true }).selectOption({ label: 'Anna Coordinatrice' });
		await marta.getByRole('button', { name: 'Registra presenza' }).click();
		await marta.getByRole('alert').getByText('Questa persona è già registrata come presente.').waitFor();

		await marta.getByRole('button', { name: "Registra l'uscita di Luca Preside (in sala)" }).click();
		await expect.poll(() => presenceList(bruno).getByText('Luca Preside').count()).toBe(0);
		await expect.poll(() => presenceList(marta).getByText('Luca Preside').count()).toBe(0);
		expect(browserErrors(marta)).toEqual([]);
		expect(browserErrors(bruno)).toEqual([]);
	});
});
