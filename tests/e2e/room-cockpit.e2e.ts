import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { getSchema } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { meetingWithPeople } from '../support/meeting-people.ts';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, seriousA11yViolations, OpenedVisitors } from '../support/browser.ts';
import { closeClients, openClient, synced, type EditorClient } from '../support/editor-clients.ts';
import { waitUntil } from '../support/wait-until.ts';
import { draftExtensions } from '../../src/lib/documents/extensions.ts';

/**
 * The moderator's cockpit (issue 12, item 3), in two browsers: a document of the table put in
 * focus is read by the participant in the centre column (read-only, live, after a reload too,
 * and on the projector); a topic proposed in the room reaches the moderator, who puts it to a
 * vote without leaving; closing the meeting turns every control off for both and offers the minutes.
 * Set LIVE_ROOM_SCREENSHOTS=<folder> to keep screenshots of the room at 1280×720.
 */
describe('moderator cockpit in the room', () => {
	let app: TestApp;
	let browser: Browser;
	let roomPath = '';
	let documentId = '';
	const people = {} as Record<'anna' | 'marta' | 'bruno', ApiClient>;
	const opened = new OpenedVisitors();
	let marta: Page;
	let bruno: Page;
	let editor: EditorClient;
	const schema = getSchema(draftExtensions());

	async function signedIn(client: ApiClient): Promise<Page> {
		return opened.page(browser, app.url, client.sessionCookie);
	}

	async function screenshot(page: Page, name: string) {
		const folder = process.env.LIVE_ROOM_SCREENSHOTS;
		if (folder) await page.screenshot({ path: `${folder}/${name}.png` });
	}

	async function enterRoom(page: Page) {
		await page.goto(roomPath);
		await page.getByTestId('room-connection').getByText('In diretta').waitFor();
		await page.getByTestId('agenda-items').locator('li').first().waitFor();
		await page.getByTestId('room-document').first().waitFor();
	}

	/** Adds a paragraph to the draft, as a co-editor typing in the document page would. */
	const paragraphs: string[] = [];
	async function writeParagraph(text: string) {
		paragraphs.push(text);
		const json = { type: 'doc', content: paragraphs.map((p) => ({ type: 'paragraph', content: [{ type: 'text', text: p }] })) };
		// Brings the fragment to this document, changing only what differs (the new paragraph).
		editor.doc.transact(() => prosemirrorJSONToYXmlFragment(schema, json, editor.doc.getXmlFragment('default')));
		await waitUntil(() => editor.isSaved(), 10_000, 'the paragraph saved');
	}

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		const made = await meetingWithPeople(app, {
			table: 'Tavolo Pianura',
			territory: 'Pianura',
			title: 'Primo incontro del tavolo',
			startsAt: '2027-01-14T15:00:00+01:00',
			endsAt: '2027-01-14T17:00:00+01:00'
		});
		Object.assign(people, made.people);
		const table = { id: made.tableId };
		const meeting = { id: made.meetingId };
		roomPath = `/meetings/${meeting.id}`;
		documentId = (await people.anna.post(`/api/v1/tables/${table.id}/documents`, { kind: 'protocol', title: 'Protocollo scuole' })).body.id;
		editor = openClient(app.origin.replace(/^http/, 'ws') + '/yjs', app.origin, `document:${documentId}`, people.anna.sessionCookie);
		await synced(editor);
		await writeParagraph('Le scuole segnalano ogni nuovo arrivo allo sportello entro tre giorni.');
	});

	afterAll(async () => {
		closeClients();
		await opened.closeAll();
		await browser?.close();
		await app?.stop();
	});

	it('shows the participant, read-only, the document the moderator puts in focus; live, after a reload and on the projector', async () => {
		marta = await signedIn(people.marta);
		bruno = await signedIn(people.bruno);
		await Promise.all([enterRoom(marta), enterRoom(bruno)]);
		await marta.getByRole('button', { name: "Avvia l'incontro" }).click();
		await bruno.getByTestId('meeting-status').getByText('In corso').waitFor();

		// The participant sees the table's documents, but cannot put one in focus.
		await bruno.getByTestId('room-document').getByRole('link', { name: 'Protocollo scuole' }).waitFor();
		expect(await bruno.getByRole('button', { name: 'Mostra a tutti: Protocollo scuole' }).count()).toBe(0);

		await marta.getByRole('button', { name: 'Mostra a tutti: Protocollo scuole' }).click();
		const shown = bruno.getByTestId('focused-document');
		await shown.getByRole('heading', { name: 'Protocollo scuole' }).waitFor();
		await shown.getByText('Le scuole segnalano ogni nuovo arrivo allo sportello entro tre giorni.').waitFor();
		await shown.getByText('Sola lettura', { exact: false }).waitFor();
		// Read-only: nothing in it can be typed into.
		expect(await shown.locator('[contenteditable="true"], input, textarea').count()).toBe(0);

		expect(await seriousA11yViolations(bruno)).toEqual([]);
		expect(await seriousA11yViolations(marta)).toEqual([]);
		await screenshot(marta, 'cockpit-moderator-document');
		await screenshot(bruno, 'cockpit-participant-document');

		// A co-editor writes meanwhile: the room reads it live.
		await writeParagraph('Il comune offre il trasporto ai corsi serali.');
		await shown.getByText('Il comune offre il trasporto ai corsi serali.').waitFor();

		// After a reload it is still there (live state on the server), and on the shared screen.
		await bruno.reload();
		await bruno.getByTestId('focused-document').getByText('Il comune offre il trasporto ai corsi serali.').waitFor();
		const projector = await marta.context().newPage();
		await projector.goto(`${roomPath}/present`);
		await projector.getByTestId('projector').getByTestId('focused-document').getByText('Le scuole segnalano', { exact: false }).waitFor();
		await projector.close();

		// Taken away by the moderator: gone for the participant too.
		await marta.getByRole('button', { name: 'Togli dal centro: Protocollo scuole' }).click();
		await expect.poll(() => bruno.getByTestId('focused-document').count()).toBe(0);
		expect(browserErrors(marta)).toEqual([]);
		expect(browserErrors(bruno)).toEqual([]);
	});

	it('brings a topic proposed in the room to the moderator, who puts the topics to a vote without leaving', async () => {
		const propose = async (title: string) => {
			await bruno.getByLabel('Argomento').fill(title);
			await bruno.getByRole('button', { name: 'Proponi', exact: true }).click();
			await bruno.getByTestId('room-topic').getByText(title).waitFor();
		};
		await propose('Mediazione linguistica a scuola');
		await propose('Trasporto per i corsi serali');

		// The moderator's backlog follows without a reload, and so do supports.
		const topics = marta.getByTestId('room-topic');
		await topics.getByText('Mediazione linguistica a scuola').waitFor();
		await topics.getByText('Trasporto per i corsi serali').waitFor();
		await bruno.getByRole('button', { name: 'Sostengo: Mediazione linguistica a scuola' }).click();
		await topics.filter({ hasText: 'Mediazione linguistica a scuola' }).getByText('Sostegni: 1').waitFor();
		// A participant has no "put to a vote".
		expect(await bruno.getByRole('checkbox', { name: 'Scegli per la votazione: Trasporto per i corsi serali' }).count()).toBe(0);

		await marta.getByRole('checkbox', { name: 'Scegli per la votazione: Mediazione linguistica a scuola' }).check();
		await marta.getByRole('checkbox', { name: 'Scegli per la votazione: Trasporto per i corsi serali' }).check();
		await marta.getByRole('button', { name: 'Metti ai voti le scelte (2)' }).click();
		await marta.getByText('Votazione creata come bozza', { exact: false }).waitFor();
		await screenshot(marta, 'cockpit-moderator-topics');
		// Put to the vote: out of both open lists.
		for (const page of [marta, bruno]) await expect.poll(() => page.getByTestId('room-topic').count()).toBe(0);

		await marta.getByRole('button', { name: 'Apri la votazione: Quali argomenti trattiamo nei prossimi incontri?' }).first().click();
		const ballot = bruno.getByTestId('current-poll');
		await ballot.getByRole('heading', { name: 'Quali argomenti trattiamo nei prossimi incontri?' }).waitFor();
		await ballot.getByText('Mediazione linguistica a scuola').first().waitFor();
		await ballot.getByText('Trasporto per i corsi serali').first().waitFor();
		expect(browserErrors(marta)).toEqual([]);
		expect(browserErrors(bruno)).toEqual([]);
	});

	it('turns every control off for everyone when the meeting closes, and offers "Apri il verbale"', async () => {
		await marta.getByRole('button', { name: 'Metti a fuoco il punto 1' }).click();
		await marta.locator('.timer-panel').getByRole('button', { name: 'Avvia' }).click();
		await marta.locator('.timer-panel').getByRole('button', { name: 'Pausa' }).waitFor();
		await bruno.getByRole('button', { name: /Alza la mano/ }).click();
		await marta.getByRole('button', { name: 'Dai la parola a Bruno Sindaco' }).waitFor();

		await marta.getByRole('button', { name: "Chiudi l'incontro" }).click();
		await marta.getByRole('button', { name: 'Sì, chiudi' }).click();

		for (const page of [marta, bruno]) {
			const notice = page.getByTestId('meeting-closed-notice');
			await notice.getByText('Incontro concluso').waitFor();
			await notice.getByRole('link', { name: 'Apri il verbale' }).waitFor();
			await page.getByTestId('meeting-status').getByText('Concluso').waitFor();
		}
		// The moderator's controls are gone: timer, queue, focus, documents, polls, topics to a vote.
		const timer = marta.locator('.timer-panel');
		for (const name of ['Avvia', 'Riprendi', 'Pausa', '+5 min', 'Azzera'])
			expect(await timer.getByRole('button', { name }).count()).toBe(0);
		expect(await marta.getByRole('button', { name: /^Dai la parola/ }).count()).toBe(0);
		expect(await marta.getByRole('button', { name: /^Metti a fuoco/ }).count()).toBe(0);
		expect(await marta.getByRole('button', { name: /^Mostra a tutti/ }).count()).toBe(0);
		expect(await marta.getByRole('button', { name: 'Crea e apri' }).count()).toBe(0);
		expect(await marta.getByRole('button', { name: /^Metti ai voti/ }).count()).toBe(0);
		// The queue ended: no hand left up, and none can be raised.
		expect(await bruno.getByRole('button', { name: /Alza la mano|Abbassa la mano/ }).count()).toBe(0);
		await bruno.getByText('Nessuna mano alzata', { exact: false }).waitFor();

		expect(await seriousA11yViolations(bruno)).toEqual([]);
		await screenshot(marta, 'cockpit-moderator-closed');
		await screenshot(bruno, 'cockpit-participant-closed');

		// After a reload too, and the minutes open from the notice.
		await bruno.reload();
		await bruno.getByTestId('meeting-closed-notice').getByRole('link', { name: 'Apri il verbale' }).click();
		await bruno.waitForURL(/\/documents\//);
		await bruno.getByRole('heading', { level: 1 }).waitFor();
		expect(browserErrors(marta)).toEqual([]);
		expect(browserErrors(bruno)).toEqual([]);
	});
});
