import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, OpenedVisitors, seriousA11yViolations } from '../support/browser.ts';
import { meetingWithPeople, type MeetingPeople } from '../support/meeting-people.ts';
import { addDays } from '../../src/lib/domain/commitments.ts';
import { romeToday } from '../../src/lib/server/commitments/service.ts';

/**
 * Issue 15, item 5 in two browsers: the moderator records "who does what by when" in the live
 * room; the participant, on the table page in another browser, sees it appear without reloading,
 * and marks it as in progress, since it is theirs.
 */
describe('commitments from the room to the table page', () => {
	let app: TestApp;
	let browser: Browser;
	let people: MeetingPeople;
	let tableId = '';
	let meetingId = '';
	const visitors = new OpenedVisitors();
	const dueOn = addDays(romeToday(), 14);

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		({ people, tableId, meetingId } = await meetingWithPeople(app, {
			table: 'Tavolo della Montagna',
			territory: 'Montagna',
			title: 'Incontro sugli impegni',
			startsAt: '2027-03-10T15:00:00+01:00',
			endsAt: '2027-03-10T17:00:00+01:00'
		}));
		await people.marta.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' });
	});

	afterAll(async () => {
		await visitors.closeAll();
		await browser?.close();
		await app?.stop();
	});

	const commitmentsOn = (page: Page) => page.getByTestId('commitments').getByTestId('commitment');

	it('the moderator records one in the room; it appears on the table page of another browser, where its owner marks it', async () => {
		const [marta, bruno] = await Promise.all([
			visitors.page(browser, app.url, people.marta.sessionCookie),
			visitors.page(browser, app.url, people.bruno.sessionCookie)
		]);
		await bruno.goto(`/tables/${tableId}`);
		await bruno.getByRole('heading', { name: 'Impegni', level: 2 }).waitFor();
		await bruno.getByText("Nessun impegno aperto. Il moderatore li registra durante l'incontro.").waitFor();

		await marta.goto(`/meetings/${meetingId}`);
		await marta.getByTestId('room-connection').getByText('In diretta').waitFor();
		const panel = marta.getByTestId('room-commitments');
		await panel.getByLabel('Cosa (impegno)').fill('Raccogliere i bisogni delle scuole');
		await panel.getByLabel('Chi se ne occupa').selectOption({ label: 'Bruno Sindaco' });
		await panel.getByLabel('Entro quando').fill(dueOn);
		await panel.getByRole('button', { name: "Registra l'impegno" }).click();
		await panel.getByRole('status').getByText('Impegno registrato: Raccogliere i bisogni delle scuole').waitFor();
		await panel.getByTestId('room-commitment').filter({ hasText: 'Raccogliere i bisogni delle scuole' }).waitFor();
		expect(await seriousA11yViolations(marta)).toEqual([]);

		// Bruno did not reload: the table channel brought it.
		await commitmentsOn(bruno).filter({ hasText: 'Raccogliere i bisogni delle scuole' }).waitFor();
		const item = commitmentsOn(bruno).filter({ hasText: 'Raccogliere i bisogni delle scuole' });
		expect(await item.textContent()).toContain('Bruno Sindaco');
		expect(await item.textContent()).toContain("Preso nell'incontro «Incontro sugli impegni»");
		await item.getByLabel('Stato').selectOption({ label: 'in corso' });
		await item.getByLabel('Nota (facoltativa)').fill('Questionario inviato');
		await item.getByRole('button', { name: "Aggiorna l'impegno «Raccogliere i bisogni delle scuole»" }).click();
		await item.getByText('Impegno aggiornato.').waitFor();
		await expect
			.poll(async () => (await people.anna.get(`/api/v1/tables/${tableId}/commitments`)).body.commitments[0])
			.toMatchObject({ status: 'in_progress', note: 'Questionario inviato' });
		expect(await seriousA11yViolations(bruno)).toEqual([]);
		expect(browserErrors(marta)).toEqual([]);
		expect(browserErrors(bruno)).toEqual([]);
	});
});
