import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, seriousA11yViolations, signedInVisitor } from '../support/browser.ts';

/**
 * Issue 12, items 2 and 7 in the browser, with a moderator and two participants: two open polls,
 * each voted on its own card; a reload keeps "Hai votato"; the count says how many of those
 * entitled and present voted; a tie says "Parità" and the moderator's choice reaches the others.
 */
describe('every open poll on its own card, and ties said honestly', () => {
	let app: TestApp;
	let browser: Browser;
	let roomPath = '';
	let meetingId = '';
	const people = {} as Record<'anna' | 'marta' | 'bruno' | 'carla', ApiClient>;
	const opened: BrowserContext[] = [];
	let marta: Page;
	let bruno: Page;
	let carla: Page;

	async function signedIn(client: ApiClient): Promise<Page> {
		const visitor = await signedInVisitor(browser, app.url, client.sessionCookie);
		await visitor.page.setViewportSize({ width: 1280, height: 900 });
		opened.push(visitor.context);
		return visitor.page;
	}

	async function enterRoom(page: Page) {
		await page.goto(roomPath);
		await page.getByTestId('room-connection').getByText('In diretta').waitFor();
	}

	/** A poll's card in the centre of the room, found by its question. */
	const card = (page: Page, question: string) =>
		page.getByTestId('current-poll').filter({ has: page.getByRole('heading', { name: question }) });

	async function createOpenPoll(body: Record<string, unknown>): Promise<string> {
		const created = await people.marta.post(`/api/v1/meetings/${meetingId}/polls`, body);
		expect(created.status).toBe(201);
		expect((await people.marta.post(`/api/v1/polls/${created.body.id}/open`)).status).toBe(200);
		return created.body.id;
	}

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		people.anna = new ApiClient(app.origin);
		await people.anna.signUp('anna@consorzio.example', 'Anna Coordinatrice');
		const table = (await people.anna.post('/api/v1/tables', { name: 'Tavolo Collina', territory: 'Collina' })).body;
		for (const [key, role, name] of [
			['marta', 'moderator', 'Marta Moderatrice'],
			['bruno', 'participant', 'Bruno Sindaco'],
			['carla', 'participant', 'Carla Preside']
		] as const) {
			people[key] = new ApiClient(app.origin);
			await people[key].signUp(`${key}@comune.example`, name);
			await people[key].joinTable(people.anna, table.id, { role });
		}
		meetingId = (
			await people.anna.post(`/api/v1/tables/${table.id}/meetings`, {
				title: 'Incontro di collina',
				startsAt: '2027-01-21T15:00:00+01:00',
				endsAt: '2027-01-21T17:00:00+01:00'
			})
		).body.id;
		roomPath = `/meetings/${meetingId}`;
		expect((await people.anna.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).status).toBe(200);
	});

	afterAll(async () => {
		for (const context of opened) await context.close().catch(() => {});
		await browser?.close();
		await app?.stop();
	});

	it('lets a participant vote in two open polls from the browser, and keeps "Hai votato" after a reload', async () => {
		const topic = 'Quale tema per il prossimo incontro?';
		const motion = 'Approviamo il regolamento del tavolo?';
		await createOpenPoll({ question: topic, kind: 'single', options: ['Scuola', 'Lavoro'] });
		await createOpenPoll({ question: motion, kind: 'yesno' });

		[marta, bruno, carla] = await Promise.all([signedIn(people.marta), signedIn(people.bruno), signedIn(people.carla)]);
		await Promise.all([enterRoom(marta), enterRoom(bruno), enterRoom(carla)]);
		// Both polls are open, each with its own ballot.
		await expect.poll(() => bruno.getByTestId('current-poll').count()).toBe(2);

		const topicBallot = bruno.getByRole('form', { name: `Il tuo voto: ${topic}` });
		await topicBallot.getByText('Lavoro').click();
		await topicBallot.getByRole('button', { name: 'Vota' }).click();
		await card(bruno, topic).getByTestId('my-vote').getByText('Hai votato: Lavoro (puoi cambiare)').waitFor();

		const motionBallot = bruno.getByRole('form', { name: `Il tuo voto: ${motion}` });
		await motionBallot.getByText('Favorevole').click();
		await motionBallot.getByRole('button', { name: 'Vota' }).click();
		await card(bruno, motion).getByTestId('my-vote').getByText('Hai votato: Favorevole (puoi cambiare)').waitFor();

		// Marta, Bruno and Carla are in the room and may vote; Anna is not here.
		for (const page of [marta, carla]) {
			await card(page, topic).getByTestId('poll-turnout').getByText('1 votanti su 3 aventi diritto presenti').waitFor();
			await card(page, motion).getByTestId('poll-turnout').getByText('1 votanti su 3 aventi diritto presenti').waitFor();
		}

		// A change of mind, then a reload: the page says what Bruno voted, and the ballot starts from it.
		await topicBallot.getByText('Scuola').click();
		await topicBallot.getByRole('button', { name: 'Aggiorna il voto' }).click();
		await card(bruno, topic).getByText('Hai votato: Scuola (puoi cambiare)').waitFor();
		await bruno.reload();
		await bruno.getByTestId('room-connection').getByText('In diretta').waitFor();
		await card(bruno, topic).getByText('Hai votato: Scuola (puoi cambiare)').waitFor();
		await card(bruno, motion).getByText('Hai votato: Favorevole (puoi cambiare)').waitFor();
		await expect
			.poll(() =>
				bruno
					.getByRole('form', { name: `Il tuo voto: ${topic}` })
					.getByRole('radio', { name: 'Scuola' })
					.isChecked()
			)
			.toBe(true);
		await bruno
			.getByRole('form', { name: `Il tuo voto: ${motion}` })
			.getByRole('button', { name: 'Aggiorna il voto' })
			.waitFor();

		const folder = process.env.LIVE_ROOM_SCREENSHOTS;
		if (folder) await bruno.screenshot({ path: `${folder}/room-two-open-polls.png`, fullPage: true });
		// Carla leaves: the count follows who is entitled and present.
		await carla.close();
		await card(marta, topic).getByTestId('poll-turnout').getByText('1 votanti su 2 aventi diritto presenti').waitFor();

		// The projector shows both open polls too.
		const projector = await marta.context().newPage();
		await projector.goto(`${roomPath}/present`);
		await expect.poll(() => projector.getByTestId('projector-poll').count()).toBe(2);
		await projector.close();

		for (const page of [marta, bruno]) expect(browserErrors(page)).toEqual([]);
		for (const question of [topic, motion]) {
			await marta
				.getByRole('button', { name: `Chiudi la votazione: ${question}` })
				.first()
				.click();
		}
		await expect.poll(() => bruno.getByRole('form').filter({ hasText: 'Il tuo voto' }).count()).toBe(0);
	});

	it('says "Parità" for a tied ranking, and shows the moderator\'s choice to the others', async () => {
		const question = 'Priorità dei temi?';
		const pollId = await createOpenPoll({ question, kind: 'ranked', options: ['Scuola', 'Lavoro', 'Casa'] });
		// Borda: Scuola 3, Lavoro 3, Casa 0, one first preference each: level.
		expect((await people.bruno.post(`/api/v1/polls/${pollId}/vote`, { choice: ['Scuola', 'Lavoro', 'Casa'] })).status).toBe(200);
		expect((await people.anna.post(`/api/v1/polls/${pollId}/vote`, { choice: ['Lavoro', 'Scuola', 'Casa'] })).status).toBe(200);
		await marta
			.getByRole('button', { name: `Chiudi la votazione: ${question}` })
			.first()
			.click();

		for (const page of [marta, bruno]) await card(page, question).getByTestId('poll-tie').getByText('Parità tra Scuola, Lavoro').waitFor();
		await card(bruno, question).getByText('Il moderatore sceglie tra le opzioni in parità.').waitFor();
		// Only the moderator gets the choice, among the tied options only.
		expect(await card(bruno, question).getByTestId('tie-break').count()).toBe(0);
		const choose = card(marta, question).getByTestId('tie-break');
		await expect.poll(() => choose.getByRole('radio').count()).toBe(2);
		await choose.getByText('Lavoro').click();
		await choose.getByRole('button', { name: 'Conferma la scelta' }).click();

		await card(bruno, question).getByTestId('poll-tie-choice').getByText('Scelta del moderatore: Lavoro').waitFor();
		await expect.poll(() => bruno.getByTestId('room-announcer').textContent()).toBe('Parità decisa: «Lavoro»');
		await card(marta, question).getByTestId('poll-tie-choice').getByText('Scelta del moderatore: Lavoro').waitFor();
		expect(await seriousA11yViolations(marta)).toEqual([]);
		const folder = process.env.LIVE_ROOM_SCREENSHOTS;
		if (folder) await marta.screenshot({ path: `${folder}/room-tie-chosen.png`, fullPage: true });
		// After a reload too.
		await bruno.reload();
		await card(bruno, question).getByTestId('poll-tie-choice').getByText('Scelta del moderatore: Lavoro').waitFor();
		for (const page of [marta, bruno]) expect(browserErrors(page)).toEqual([]);
	});
});
