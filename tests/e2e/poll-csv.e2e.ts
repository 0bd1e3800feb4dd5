import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { meetingWithPeople, type MeetingPeople } from '../support/meeting-people.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, OpenedVisitors, seriousA11yViolations } from '../support/browser.ts';

/**
 * Issue 14, point 9, as a participant sees it: the room's poll list offers the CSV of every poll
 * (not only the one in the centre), each link described by its question, and the file it
 * downloads names the poll and starts with its question.
 */
describe('the CSV of every poll from the room', () => {
	let app: TestApp;
	let browser: Browser;
	let people: MeetingPeople;
	let meetingId = '';
	const questions = ['Tema del prossimo incontro?', 'Sede della riunione di marzo?'];
	const opened = new OpenedVisitors();

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		const made = await meetingWithPeople(app, {
			table: 'Tavolo Pianura',
			territory: 'Pianura',
			title: 'Primo incontro del tavolo',
			startsAt: '2027-01-14T15:00:00+01:00',
			endsAt: '2027-01-14T17:00:00+01:00'
		});
		people = made.people;
		meetingId = made.meetingId;
		for (const question of questions) {
			const poll = await people.marta.post(`/api/v1/meetings/${meetingId}/polls`, {
				question,
				kind: 'single',
				options: ['Scuola', 'Comune'],
				anonymous: false,
				resultsVisible: 'live'
			});
			expect((await people.marta.post(`/api/v1/polls/${poll.body.id}/open`)).status).toBe(200);
			expect((await people.bruno.post(`/api/v1/polls/${poll.body.id}/vote`, { choice: 'Comune' })).status).toBe(200);
			expect((await people.marta.post(`/api/v1/polls/${poll.body.id}/close`)).status).toBe(200);
		}
	});

	afterAll(async () => {
		await opened.closeAll();
		await browser?.close();
		await app?.stop();
	});

	it('links each poll’s results and downloads a file that starts with its question', async () => {
		const page = await opened.page(browser, app.url, people.bruno.sessionCookie);
		const errors = browserErrors(page);
		await page.goto(`/meetings/${meetingId}`);
		const links = page.getByTestId('poll-csv-link');
		await links.nth(1).waitFor();
		expect(await links.count()).toBe(2);
		for (const [index, question] of questions.entries()) {
			const link = links.nth(index);
			expect(await link.textContent()).toBe('Risultati (CSV)');
			// The link says which poll it is for: its description is the question.
			expect(await link.evaluate((a) => document.getElementById(a.getAttribute('aria-describedby') ?? '')?.textContent)).toBe(question);
		}
		const [download] = await Promise.all([page.waitForEvent('download'), links.nth(1).click()]);
		expect(download.suggestedFilename()).toBe('votazione-2027-01-14-sede-della-riunione-di-marzo.csv');
		const csv = await readFile(await download.path(), 'utf8');
		expect(
			csv
				.replace(/^\uFEFF/, '')
				.split('\r\n')
				.slice(0, 2)
		).toEqual(['Domanda;Sede della riunione di marzo?', 'Metodo di conteggio;maggioranza relativa (voti per opzione)']);
		expect(csv).toContain('Comune;1');
		expect(await seriousA11yViolations(page)).toEqual([]);
		expect(errors).toEqual([]);
	});
});
