import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { launchBrowser, seriousA11yViolations, signedInVisitor } from '../support/browser.ts';
import * as Y from 'yjs';
import { agendaItems } from '../../src/lib/agenda/agenda-doc.ts';
import { createPostgresYjsStore } from '../../server/persistence/postgres-yjs-store.ts';

/**
 * Co-editing a protocol draft live (issue 3): two people type into the same draft and see each
 * other's words and carets; an observer reads but cannot write; an edit made offline reaches the
 * others after reconnecting, even across closing the page.
 */
describe('co-editing a draft', () => {
	let app: TestApp;
	let browser: Browser;
	let documentPath = '';
	let agendaPath = '';
	let tableId = '';
	const people = {} as Record<'anna' | 'bruno' | 'chiara', ApiClient>;

	async function signedIn(client: ApiClient): Promise<{ context: BrowserContext; page: Page }> {
		return signedInVisitor(browser, app.url, client.sessionCookie);
	}

	const editorOf = (page: Page) => page.getByRole('textbox', { name: 'Testo del documento' });
	const savedState = (page: Page) => page.getByTestId('saved-state');

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		people.anna = new ApiClient(app.origin);
		await people.anna.signUp('anna@consorzio.example', 'Anna Coordinatrice');
		const table = (await people.anna.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body;
		tableId = table.id;
		for (const [key, role, name] of [
			['bruno', 'participant', 'Bruno Sindaco'],
			['chiara', 'observer', 'Chiara Osservatrice']
		] as const) {
			people[key] = new ApiClient(app.origin);
			await people[key].signUp(`${key}@comune.example`, name);
			await people[key].joinTable(people.anna, table.id, { role });
		}
		const document = (
			await people.anna.post(`/api/v1/tables/${table.id}/documents`, { kind: 'protocol', title: 'Protocollo di accoglienza' })
		).body;
		documentPath = `/documents/${document.id}`;
		const meeting = (
			await people.anna.post(`/api/v1/tables/${table.id}/meetings`, {
				title: 'Primo incontro',
				startsAt: '2027-01-14T15:00:00+01:00',
				endsAt: '2027-01-14T17:00:00+01:00'
			})
		).body;
		agendaPath = `/meetings/${meeting.id}`;
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
	});

	it("shows each person's words and caret to the other, and says when the server has saved them", async () => {
		const anna = await signedIn(people.anna);
		const bruno = await signedIn(people.bruno);
		await Promise.all([anna.page.goto(documentPath), bruno.page.goto(documentPath)]);
		await expect.poll(() => editorOf(anna.page).getAttribute('contenteditable')).toBe('true');
		await expect.poll(() => editorOf(bruno.page).getAttribute('contenteditable')).toBe('true');

		await editorOf(anna.page).click();
		await anna.page.keyboard.type('Art. 1 — Finalità del protocollo. ');
		await editorOf(bruno.page).getByText('Art. 1 — Finalità del protocollo.').waitFor();

		await editorOf(bruno.page).click();
		await bruno.page.keyboard.press('End');
		await bruno.page.keyboard.type('I Comuni aderiscono.');
		await editorOf(anna.page).getByText('I Comuni aderiscono.', { exact: false }).waitFor();

		// Each sees the other's caret, labelled with the name from the other's session.
		await anna.page.locator('.collaboration-carets__label', { hasText: 'Bruno Sindaco' }).waitFor();
		await bruno.page.locator('.collaboration-carets__label', { hasText: 'Anna Coordinatrice' }).waitFor();
		// Both are listed as present, and both edits are acknowledged as saved by the server.
		await anna.page.getByRole('list', { name: 'Chi sta scrivendo:' }).getByText('Bruno Sindaco').waitFor();
		await expect.poll(() => savedState(anna.page).textContent()).toContain('Salvato');
		await expect.poll(() => savedState(bruno.page).textContent()).toContain('Salvato');
		expect(await seriousA11yViolations(anna.page)).toEqual([]);
		await Promise.all([anna.context.close(), bruno.context.close()]);
	});

	it("keeps an observer's editor read-only and says why", async () => {
		const chiara = await signedIn(people.chiara);
		await chiara.page.goto(documentPath);
		await chiara.page.getByText('Sola lettura: partecipi come osservatore.').waitFor();
		await editorOf(chiara.page).getByText('I Comuni aderiscono.', { exact: false }).waitFor();
		expect(await editorOf(chiara.page).getAttribute('contenteditable')).toBe('false');
		await editorOf(chiara.page).click();
		await chiara.page.keyboard.type('non dovrebbe comparire');
		expect(await editorOf(chiara.page).textContent()).not.toContain('non dovrebbe comparire');
		expect(await seriousA11yViolations(chiara.page)).toEqual([]);
		await chiara.context.close();
	});

	it('brings an edit made offline to the others after reconnecting, even after the page was closed', async () => {
		const anna = await signedIn(people.anna);
		const bruno = await signedIn(people.bruno);
		await Promise.all([anna.page.goto(documentPath), bruno.page.goto(documentPath)]);
		await expect.poll(() => editorOf(bruno.page).getAttribute('contenteditable')).toBe('true');

		await bruno.context.setOffline(true);
		await expect.poll(() => savedState(bruno.page).textContent()).toContain('Non salvato');
		await editorOf(bruno.page).click();
		await bruno.page.keyboard.press('Control+End');
		await bruno.page.keyboard.type(' Scritto senza rete.');
		await expect.poll(() => savedState(bruno.page).textContent()).toBe('Non salvato — offline');
		// Let y-indexeddb store the edit, then close the page while still offline.
		await bruno.page.waitForTimeout(500);
		await bruno.page.close();
		expect(await editorOf(anna.page).textContent()).not.toContain('Scritto senza rete.');

		await bruno.context.setOffline(false);
		const again = await bruno.context.newPage();
		await again.goto(documentPath);
		await editorOf(anna.page).getByText('Scritto senza rete.', { exact: false }).waitFor();
		await expect.poll(() => savedState(again).textContent()).toContain('Salvato');
		await Promise.all([anna.context.close(), bruno.context.close()]);
	});

	it('co-edits the agenda, which starts from the first-meeting points of the letter', async () => {
		const anna = await signedIn(people.anna);
		const bruno = await signedIn(people.bruno);
		await Promise.all([anna.page.goto(agendaPath), bruno.page.goto(agendaPath)]);
		const items = (page: Page) => page.getByTestId('agenda-items').getByRole('listitem');
		await expect.poll(() => items(anna.page).count()).toBe(4);
		// The titles are in the page even while the items' fields are closed.
		await anna.page.getByLabel('Titolo del punto').first().waitFor({ state: 'attached' });
		expect(await anna.page.getByLabel('Titolo del punto').nth(3).inputValue()).toMatch(
			/^Ipotesi di programmazione degli incontri successivi/
		);
		await expect.poll(() => anna.page.getByTestId('agenda-total').textContent()).toContain('120 minuti su 120');

		await anna.page.getByRole('button', { name: 'Aggiungi punto' }).click();
		await anna.page.keyboard.type('Varie ed eventuali');
		await expect.poll(() => items(bruno.page).count()).toBe(5);
		await expect.poll(() => bruno.page.getByLabel('Titolo del punto').nth(4).inputValue()).toBe('Varie ed eventuali');
		await bruno.page.getByText("L'ordine del giorno supera di 15 minuti la durata dell'incontro.").waitFor();

		// Reorder by keyboard: the new item moves up one place for everyone.
		await bruno.page.getByRole('button', { name: 'Sposta su il punto 5' }).click();
		await expect.poll(() => anna.page.getByLabel('Titolo del punto').nth(3).inputValue()).toBe('Varie ed eventuali');
		expect(await seriousA11yViolations(bruno.page)).toEqual([]);
		await Promise.all([anna.context.close(), bruno.context.close()]);
	});

	it('shows the items of an agenda holding bad entries, says "Voce non valida" and removes them', async () => {
		const meeting = (
			await people.anna.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Secondo incontro',
				startsAt: '2027-02-14T15:00:00+01:00',
				endsAt: '2027-02-14T17:00:00+01:00'
			})
		).body;
		// Written straight into the store, as an agenda saved before the server checked its shape.
		const store = createPostgresYjsStore(app.context.db);
		const doc = new Y.Doc();
		Y.applyUpdate(doc, (await store.load(meeting.agendaDoc))!.state);
		const before = Y.encodeStateVector(doc);
		agendaItems(doc).push(['not-a-map' as never, 42 as never, null as never]);
		await app.context.db
			.insertInto('yjs_updates')
			.values({ doc_name: meeting.agendaDoc, update: Y.encodeStateAsUpdate(doc, before) })
			.execute();

		const bruno = await signedIn(people.bruno);
		await bruno.page.goto(`/meetings/${meeting.id}`);
		await expect.poll(() => bruno.page.getByTestId('agenda-items').getByRole('listitem').count()).toBe(3);
		const notice = bruno.page.getByTestId('agenda-invalid');
		await expect.poll(() => notice.textContent()).toContain('Voce non valida');
		expect(await notice.textContent()).toContain('(3)');
		expect(await seriousA11yViolations(bruno.page)).toEqual([]);
		await notice.getByRole('button', { name: 'Rimuovi le voci non valide' }).click();
		await expect.poll(() => notice.count()).toBe(0);
		await expect.poll(() => bruno.page.getByTestId('saved-state').textContent()).toContain('Salvato');
		const stored = new Y.Doc();
		Y.applyUpdate(stored, (await store.load(meeting.agendaDoc))!.state);
		expect(agendaItems(stored).length).toBe(3);
		await bruno.context.close();
	});
});
