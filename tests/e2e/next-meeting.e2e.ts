import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, seriousA11yViolations, signedInVisitor } from '../support/browser.ts';

/**
 * Issue 4's last step in two browsers: under the closed date poll the moderator clicks "Crea il
 * prossimo incontro"; moderator and participant both get the link, and the new meeting's agenda
 * holds the topics the table voted for, in order. (The polls are run over the API: the room's
 * voting is covered by live-room.e2e.ts.)
 */
describe('next meeting from the room', () => {
	let app: TestApp;
	let browser: Browser;
	let roomPath = '';
	const people = {} as Record<'anna' | 'marta' | 'bruno' | 'carla', ApiClient>;
	const opened: BrowserContext[] = [];

	async function signedIn(client: ApiClient): Promise<Page> {
		const visitor = await signedInVisitor(browser, app.url, client.sessionCookie);
		opened.push(visitor.context);
		return visitor.page;
	}

	async function enterRoom(page: Page, path: string) {
		await page.goto(path);
		await page.getByTestId('room-connection').getByText('In diretta').waitFor();
		await page.getByTestId('agenda-items').locator('li').first().waitFor();
	}

	const agendaTitles = (page: Page) =>
		page
			.locator('[data-testid="agenda-items"] input[id$="-title"]')
			.evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		people.anna = new ApiClient(app.origin);
		await people.anna.signUp('anna@consorzio.example', 'Anna Coordinatrice');
		const tableId = (await people.anna.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
		for (const [key, role, name] of [
			['marta', 'moderator', 'Marta Moderatrice'],
			['bruno', 'participant', 'Bruno Sindaco'],
			['carla', 'participant', 'Carla Preside']
		] as const) {
			people[key] = new ApiClient(app.origin);
			await people[key].signUp(`${key}@comune.example`, name);
			await people[key].joinTable(people.anna, tableId, { role });
		}
		const meetingId = (
			await people.anna.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Primo incontro del tavolo',
				startsAt: '2027-01-14T15:00:00+01:00',
				endsAt: '2027-01-14T17:00:00+01:00'
			})
		).body.id;
		roomPath = `/meetings/${meetingId}`;
		const { marta, bruno, carla } = people;

		// The backlog put to a priority vote: Borda (2, 1, 0 points) Sportello 5, Trasporto 3, Mediazione 1.
		const topicIds: string[] = [];
		for (const title of ['Mediazione linguistica a scuola', 'Trasporto per i corsi serali', 'Sportello casa']) {
			topicIds.push((await bruno.post(`/api/v1/tables/${tableId}/topics`, { title })).body.id);
		}
		const topicPoll = (
			await marta.post(`/api/v1/tables/${tableId}/topics/poll`, { meetingId, topicIds, question: 'Quali argomenti al prossimo incontro?' })
		).body;
		const [mediazione, trasporto, sportello] = (topicPoll.options as Array<{ id: string }>).map((o) => o.id);
		await marta.post(`/api/v1/polls/${topicPoll.id}/open`);
		await bruno.post(`/api/v1/polls/${topicPoll.id}/vote`, { choice: [sportello, trasporto, mediazione] });
		await carla.post(`/api/v1/polls/${topicPoll.id}/vote`, { choice: [trasporto, sportello, mediazione] });
		await marta.post(`/api/v1/polls/${topicPoll.id}/vote`, { choice: [sportello, mediazione, trasporto] });
		await marta.post(`/api/v1/polls/${topicPoll.id}/close`);

		// The date poll: 11 February suits both.
		const datePoll = (
			await marta.post(`/api/v1/meetings/${meetingId}/polls`, {
				question: 'Quando ci rivediamo?',
				kind: 'scheduling',
				options: ['2027-02-04T15:00:00+01:00', '2027-02-11T15:00:00+01:00']
			})
		).body;
		const [fourth, eleventh] = (datePoll.options as Array<{ id: string }>).map((o) => o.id);
		await marta.post(`/api/v1/polls/${datePoll.id}/open`);
		await bruno.post(`/api/v1/polls/${datePoll.id}/vote`, { choice: { [fourth]: 'no', [eleventh]: 'yes' } });
		await carla.post(`/api/v1/polls/${datePoll.id}/vote`, { choice: { [fourth]: 'yes', [eleventh]: 'yes' } });
		await marta.post(`/api/v1/polls/${datePoll.id}/close`);
	});

	afterAll(async () => {
		for (const context of opened) await context.close().catch(() => {});
		await browser?.close();
		await app?.stop();
	});

	it('lets the moderator create the next meeting; both see the link, and its agenda holds the winning topics', async () => {
		const [marta, bruno] = await Promise.all([signedIn(people.marta), signedIn(people.bruno)]);
		await Promise.all([enterRoom(marta, roomPath), enterRoom(bruno, roomPath)]);
		const card = (page: Page) => page.getByTestId('current-poll');

		// The moderator's form under the closed date poll: the best date and the latest topic poll chosen.
		const form = card(marta).getByRole('form', { name: 'Prossimo incontro' });
		await expect
			.poll(() => form.getByLabel('Data e ora').evaluate((s) => (s as HTMLSelectElement).selectedOptions[0]?.textContent))
			.toBe('giovedì 11 febbraio 2027, 15:00');
		await expect
			.poll(() =>
				form.getByLabel('Argomenti da mettere in agenda').evaluate((s) => (s as HTMLSelectElement).selectedOptions[0]?.textContent)
			)
			.toBe('Quali argomenti al prossimo incontro?');
		// The participant sees the results, not the form.
		await card(bruno).getByText('Votanti: 2').first().waitFor();
		expect(await card(bruno).getByRole('button', { name: 'Crea il prossimo incontro' }).count()).toBe(0);
		expect(await seriousA11yViolations(marta)).toEqual([]);

		await form.getByRole('button', { name: 'Crea il prossimo incontro' }).click();
		for (const page of [marta, bruno]) await card(page).getByRole('link', { name: 'Vai al prossimo incontro' }).waitFor();
		expect(browserErrors(marta)).toEqual([]);
		expect(browserErrors(bruno)).toEqual([]);

		await card(bruno).getByRole('link', { name: 'Vai al prossimo incontro' }).click();
		await bruno.waitForURL((url) => url.pathname !== roomPath && url.pathname.startsWith('/meetings/'));
		await bruno.getByRole('heading', { name: "Incontro dell'11 febbraio 2027" }).first().waitFor();
		await bruno.getByTestId('agenda-items').locator('li').first().waitFor();
		await expect
			.poll(() => agendaTitles(bruno))
			.toEqual(['Sportello casa', 'Trasporto per i corsi serali', 'Mediazione linguistica a scuola', 'Varie ed eventuali']);
		expect(browserErrors(bruno)).toEqual([]);
	});
});
