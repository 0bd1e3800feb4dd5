import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, seriousA11yViolations, OpenedVisitors } from '../support/browser.ts';

/**
 * Issue 12, "Done when": the first meeting of the convocation letter
 * (shared/context/lettera-convocazione-tavoli.txt) run by four people in four browsers at once —
 * Sara (coordinator), Marta (moderator), Paola (a school head, participant) and Oscar (observer) —
 * with a mayor in the council chamber checked in by the moderator. Each step is checked on what
 * the people see: the agenda of the letter completed by coordinator and moderator together, two
 * people typing in one notes field, the focus moving item by item, two polls open at once and
 * voted from three browsers (one reloads in the middle), the observer following without a ballot,
 * the close turning every control off, and minutes that say who was there for each item and each
 * poll, and what was decided.
 */

/** "Cosa faremo nel primo incontro del tavolo", the four points of the letter. */
const letterPoints = [
	'Condivisione e approfondimento del progetto e del Report con i partecipanti al tavolo',
	'Condivisione delle finalità e degli obiettivi specifici del tavolo della Montagna Pistoiese',
	'Definizione delle regole base e dei ruoli per il funzionamento del tavolo',
	'Ipotesi di programmazione degli incontri successivi (argomenti, temi da discutere e calendario)'
];
const meetingTitle = 'Primo incontro del tavolo territoriale Montagna Pistoiese';
const rulesPoll = 'Approviamo le regole base e i ruoli per il funzionamento del tavolo?';
const cadencePoll = 'Con quale cadenza si riunisce il tavolo?';
const guest = { name: 'Luca Sindaco', category: 'Sindaci dei Comuni', body: 'Comune di Abetone Cutigliano' };

describe('the first meeting of the letter, four people at once', () => {
	let app: TestApp;
	let browser: Browser;
	let tableId = '';
	let roomPath = '';
	const people = {} as Record<'sara' | 'marta' | 'paola' | 'oscar', ApiClient>;
	const names = { sara: 'Sara Coordinatrice', marta: 'Marta Moderatrice', paola: 'Paola Preside', oscar: 'Oscar Osservatore' };
	const opened = new OpenedVisitors();
	let sara: Page;
	let marta: Page;
	let paola: Page;
	let oscar: Page;
	const everyone = () => [sara, marta, paola, oscar];

	async function signedIn(client: ApiClient): Promise<Page> {
		return opened.page(browser, app.url, client.sessionCookie);
	}

	async function enterRoom(page: Page) {
		await page.goto(roomPath);
		await page.getByTestId('room-connection').getByText('In diretta').waitFor();
		await page.getByTestId('agenda-items').locator(':scope > li').first().waitFor();
	}

	const agendaItem = (page: Page, n: number) =>
		page
			.getByTestId('agenda-items')
			.locator(':scope > li')
			.nth(n - 1);
	const titleField = (page: Page, n: number) => agendaItem(page, n).getByLabel('Titolo del punto');
	const presenterField = (page: Page, n: number) => agendaItem(page, n).getByLabel('Relatore');
	const notesField = (page: Page, n: number) => agendaItem(page, n).getByLabel('Note');
	const titles = (page: Page) =>
		page.locator('[data-testid="agenda-items"] input[id$="-title"]').evaluateAll((all) => all.map((el) => (el as HTMLInputElement).value));
	/** In the room an item's fields open from its row (its title), the item in focus's too. */
	async function openDetails(page: Page, n: number) {
		const details = agendaItem(page, n).getByTestId('agenda-item-toggle');
		if ((await details.getAttribute('aria-expanded')) !== 'true') await details.click();
	}
	const focusHeading = (page: Page) => page.getByTestId('focus-item').getByRole('heading');
	/** A poll's card in the centre of the room, found by its question. */
	const card = (page: Page, question: string) =>
		page.getByTestId('current-poll').filter({ has: page.getByRole('heading', { name: question }) });
	const ballot = (page: Page, question: string) => page.getByRole('form', { name: `Il tuo voto: ${question}` });
	const resultRow = (page: Page, question: string, row: string) =>
		card(page, question)
			.getByRole('table', { name: `Tabella dei risultati: ${question}` })
			.getByRole('row', { name: row });
	const presenceList = (page: Page) => page.getByRole('list', { name: 'Persone nella stanza' });

	/** Bootstrap Italia draws radios with their label on top (the input is hidden): one clicks the label. */
	async function vote(page: Page, question: string, choice: string) {
		const form = ballot(page, question);
		await form.locator('label', { hasText: choice }).first().click();
		await form.getByRole('button', { name: /^(Vota|Aggiorna il voto)$/ }).click();
		await card(page, question).getByTestId('my-vote').getByText(`Hai votato: ${choice} (puoi cambiare)`).waitFor();
	}

	async function focusItem(n: number) {
		await marta.getByRole('button', { name: `Metti a fuoco il punto ${n}` }).click();
		for (const page of everyone())
			await focusHeading(page)
				.getByText(`${n}. ${letterPoints[n - 1]}`)
				.waitFor();
	}

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		people.sara = new ApiClient(app.origin);
		await people.sara.signUp('sara@sds-pistoiese.example', names.sara);
		const created = await people.sara.post('/api/v1/tables', {
			name: 'Tavolo territoriale Montagna Pistoiese',
			territory: 'Montagna Pistoiese'
		});
		expect(created.status).toBe(201);
		tableId = created.body.id;
		const detail = (await people.sara.get(`/api/v1/tables/${tableId}`)).body;
		const categories: Array<{ id: string; key: string }> = (detail.table ?? detail).categories ?? [];
		const schoolHeads = categories.find((c) => c.key === 'school_heads')?.id;
		expect(schoolHeads).toBeTruthy();
		for (const [key, role, email] of [
			['marta', 'moderator', 'marta@sds-pistoiese.example'],
			['paola', 'participant', 'paola@ic-abetone.example'],
			['oscar', 'observer', 'oscar@prefettura.example']
		] as const) {
			people[key] = new ApiClient(app.origin);
			await people[key].signUp(email, names[key]);
			await people[key].joinTable(people.sara, tableId, { role, ...(key === 'paola' ? { categoryId: schoolHeads } : {}) });
		}
	});

	afterAll(async () => {
		await opened.closeAll();
		await browser?.close();
		await app?.stop();
	});

	it("lets the coordinator schedule the first meeting, whose agenda is the letter's, completed by coordinator and moderator at once", async () => {
		[sara, marta, paola, oscar] = await Promise.all([
			signedIn(people.sara),
			signedIn(people.marta),
			signedIn(people.paola),
			signedIn(people.oscar)
		]);
		await sara.goto(`/tables/${tableId}`);
		const schedule = sara.locator('details', { has: sara.getByText('Programma un incontro') });
		await schedule.getByText('Programma un incontro').click();
		await schedule.getByLabel('Titolo').fill(meetingTitle);
		await schedule.getByLabel('Data').fill('2027-12-09');
		await schedule.getByLabel('Ora di inizio').fill('15:00');
		await schedule.getByLabel('Ora di fine').fill('17:00');
		await schedule.getByLabel('Link della videochiamata').fill('https://meet.example/montagna-pistoiese');
		await schedule.getByRole('button', { name: "Programma l'incontro" }).click();
		await sara.getByText('Incontro programmato.').waitFor();
		await sara.getByRole('link', { name: meetingTitle }).click();
		await sara.waitForURL(/\/meetings\/[^/]+$/);
		roomPath = new URL(sara.url()).pathname;
		await sara.getByTestId('agenda-items').locator(':scope > li').first().waitFor();
		await Promise.all([marta, paola, oscar].map(enterRoom));

		// The table's first meeting starts from the letter's four points.
		await expect
			.poll(() => titles(marta))
			.toEqual([...letterPoints.slice(0, 1), letterPoints[1].replace(' della Montagna Pistoiese', ''), ...letterPoints.slice(2)]);
		// Not started: the participant reads so; the observer cannot type in the agenda.
		await paola.getByText("L'incontro non è ancora iniziato", { exact: false }).waitFor();
		expect(await titleField(oscar, 1).isEditable()).toBe(false);

		// At the same time: the coordinator completes item 2's title as the letter has it, the
		// moderator writes who presents item 1.
		await openDetails(sara, 2);
		await titleField(sara, 2).click();
		await titleField(sara, 2).press('End');
		await openDetails(marta, 1);
		await presenterField(marta, 1).click();
		await Promise.all([
			sara.keyboard.type(' della Montagna Pistoiese', { delay: 30 }),
			marta.keyboard.type('Società della Salute Pistoiese', { delay: 30 })
		]);
		for (const page of everyone()) await expect.poll(() => titles(page)).toEqual(letterPoints);
		await openDetails(sara, 1);
		await expect.poll(() => presenterField(sara, 1).inputValue()).toBe('Società della Salute Pistoiese');
		await expect.poll(() => sara.getByTestId('saved-state').textContent()).toContain('Salvato');
		for (const page of everyone()) expect(browserErrors(page)).toEqual([]);
	});

	it('goes live for all four; the moderator and the school head type in the same notes at once and the text stays whole, in order', async () => {
		await marta.getByRole('button', { name: "Avvia l'incontro" }).click();
		for (const page of everyone()) await page.getByTestId('meeting-status').getByText('In corso').waitFor();
		await focusItem(1);

		const first = 'Presentato il Report rilevazione fabbisogni.';
		await Promise.all([openDetails(marta, 1), openDetails(paola, 1)]);
		await notesField(marta, 1).click();
		await marta.keyboard.type(first, { delay: 20 });
		await expect.poll(() => notesField(paola, 1).inputValue()).toBe(first);

		// Paola writes before it, Marta after it, both at once.
		const before = 'Le scuole chiedono mediatori linguistici. ';
		const after = ' Domande raccolte per il prossimo incontro.';
		await notesField(paola, 1).click();
		await notesField(paola, 1).press('Control+Home');
		await notesField(marta, 1).click();
		await notesField(marta, 1).press('Control+End');
		await Promise.all([paola.keyboard.type(before, { delay: 40 }), marta.keyboard.type(after, { delay: 40 })]);
		const notes = before + first + after;
		await expect.poll(() => notesField(marta, 1).inputValue()).toBe(notes);
		await expect.poll(() => notesField(paola, 1).inputValue()).toBe(notes);
		// Each caret stayed right after its owner's own text.
		expect(await notesField(paola, 1).evaluate((el) => (el as HTMLTextAreaElement).selectionStart)).toBe(before.length);
		expect(await notesField(marta, 1).evaluate((el) => (el as HTMLTextAreaElement).selectionStart)).toBe(notes.length);
		// The others read the same in the centre of the room.
		for (const page of [sara, oscar]) await expect.poll(() => page.getByTestId('focus-item').locator('.notes').textContent()).toBe(notes);
		await expect.poll(() => marta.getByTestId('saved-state').textContent()).toContain('Salvato');
	});

	it('moves everyone along as the moderator focuses items in turn, and shows the mayor she checks in from the council chamber', async () => {
		await focusItem(2);
		await marta.getByText('Registra presenze in sala e in videochiamata').click();
		await marta.locator('label', { hasText: 'Ospite (per nome)' }).click();
		await marta.getByLabel('Nome e cognome').fill(guest.name);
		await marta.getByLabel('Categoria', { exact: true }).selectOption({ label: guest.category });
		await marta.getByLabel('Ente di appartenenza').fill(guest.body);
		await marta.locator('label', { hasText: 'in sala' }).click();
		await expect.poll(() => marta.getByRole('radio', { name: 'in sala' }).isChecked()).toBe(true);
		await marta.getByRole('button', { name: 'Registra presenza' }).click();
		await marta.getByText(`${guest.name}: presente in sala.`).waitFor();
		for (const page of everyone()) {
			await presenceList(page).getByRole('listitem').filter({ hasText: guest.name }).getByText('in sala', { exact: true }).waitFor();
			await expect.poll(() => page.getByRole('heading', { name: /Presenti ora: \d+/ }).textContent()).toBe('Presenti ora: 5');
		}
		await focusItem(3);
	});

	it('lets three people vote in two polls open at once, one reloading in the middle; the observer sees the results with no ballot', async () => {
		// Item 3: a motion. Item 4 (the next one in focus): a choice. Both stay open together.
		await marta.getByLabel('Domanda').fill(rulesPoll);
		await marta.getByRole('button', { name: 'Crea e apri' }).click();
		await card(paola, rulesPoll).waitFor();
		await focusItem(4);
		await marta.getByLabel('Domanda').fill(cadencePoll);
		await marta.getByLabel('Tipo').selectOption({ label: 'Scelta singola' });
		await marta.getByLabel('Opzioni').fill('Ogni mese\nOgni due mesi');
		await marta.getByRole('button', { name: 'Crea e apri' }).click();
		for (const page of everyone()) await expect.poll(() => page.getByTestId('current-poll').count()).toBe(2);

		// Three ballots on the motion at once.
		await Promise.all([vote(marta, rulesPoll, 'Favorevole'), vote(paola, rulesPoll, 'Favorevole'), vote(sara, rulesPoll, 'Astenuto')]);
		// Paola reloads while the others vote on the cadence.
		await Promise.all([paola.reload(), vote(marta, cadencePoll, 'Ogni due mesi'), vote(sara, cadencePoll, 'Ogni mese')]);
		await paola.getByTestId('room-connection').getByText('In diretta').waitFor();
		await card(paola, rulesPoll).getByTestId('my-vote').getByText('Hai votato: Favorevole (puoi cambiare)').waitFor();
		await ballot(paola, rulesPoll).getByRole('button', { name: 'Aggiorna il voto' }).waitFor();
		await expect.poll(() => ballot(paola, rulesPoll).getByRole('radio', { name: 'Favorevole' }).isChecked()).toBe(true);
		expect(await card(paola, cadencePoll).getByTestId('my-vote').count()).toBe(0);
		await vote(paola, cadencePoll, 'Ogni mese');

		for (const page of everyone()) {
			for (const question of [rulesPoll, cadencePoll]) {
				await card(page, question).getByTestId('poll-turnout').getByText('3 votanti su 3 aventi diritto presenti').waitFor();
			}
			await resultRow(page, rulesPoll, 'Favorevole 2').waitFor();
			await resultRow(page, rulesPoll, 'Astenuto 1').waitFor();
			await resultRow(page, cadencePoll, 'Ogni mese 2').waitFor();
			await resultRow(page, cadencePoll, 'Ogni due mesi 1').waitFor();
		}
		// The observer follows both polls but has no ballot.
		for (const question of [rulesPoll, cadencePoll]) {
			await card(oscar, question).getByText('Partecipi come osservatore: puoi seguire la votazione ma non votare.').waitFor();
			expect(await ballot(oscar, question).count()).toBe(0);
		}

		// The motion closes; the cadence stays open until the meeting closes.
		await marta
			.getByRole('button', { name: `Chiudi la votazione: ${rulesPoll}` })
			.first()
			.click();
		for (const page of everyone()) await card(page, rulesPoll).getByTestId('poll-outcome').getByText('Approvata').waitFor();
		expect(await ballot(paola, rulesPoll).count()).toBe(0);
		// The closed motion beside the open poll, as the observer and the participant read it.
		expect(await seriousA11yViolations(oscar)).toEqual([]);
		expect(await seriousA11yViolations(paola)).toEqual([]);
		for (const page of everyone()) expect(browserErrors(page)).toEqual([]);
	});

	it('offers the participant and the observer only what they may do while the meeting is live', async () => {
		await paola.getByTestId('agenda-structure-locked').waitFor();
		for (const page of [paola, oscar]) {
			for (const name of [/^Elimina il punto/, /^Sposta/, /^Aggiungi punto$/, /^Metti a fuoco/, /^Chiudi la votazione/, /^Dai la parola/]) {
				expect(await page.getByRole('button', { name }).count(), `${name} on ${page === paola ? 'Paola' : 'Oscar'}'s page`).toBe(0);
			}
			for (const name of ["Avvia l'incontro", "Chiudi l'incontro", 'Crea e apri', 'Registra presenza']) {
				expect(await page.getByRole('button', { name }).count()).toBe(0);
			}
			expect(await page.locator('.timer-panel').getByRole('button').count()).toBe(0);
		}
		// The observer reads the agenda but cannot type in it; the details of an item not in focus
		// open for her too (the button was disabled with the fields, a dead control).
		expect(await notesField(oscar, 4).isEditable()).toBe(false);
		await openDetails(oscar, 1);
		await expect.poll(() => notesField(oscar, 1).inputValue()).toBe(await notesField(marta, 1).inputValue());
		expect(await notesField(oscar, 1).isEditable()).toBe(false);
		// What the participant is offered works: a raised hand reaches the moderator.
		await paola.getByRole('button', { name: 'Alza la mano' }).click();
		await marta.getByRole('list', { name: 'Mani alzate, in ordine' }).getByText(names.paola).waitFor();
		// The moderator runs the timer of item 4, which the closing must stop.
		await marta.locator('.timer-panel').getByRole('button', { name: 'Avvia' }).click();
		for (const page of everyone()) await page.getByTestId('timer').getByText('In corso').waitFor();
	});

	it('closes the meeting: every control turns off for all four, the open poll closes with its ballots, the minutes are offered', async () => {
		await marta.getByRole('button', { name: "Chiudi l'incontro" }).click();
		await marta.getByRole('button', { name: 'Sì, chiudi' }).click();
		for (const page of everyone()) {
			const notice = page.getByTestId('meeting-closed-notice');
			await notice.getByText('Incontro concluso').waitFor();
			await notice.getByRole('link', { name: 'Apri il verbale' }).waitFor();
			await page.getByTestId('meeting-status').getByText('Concluso').waitFor();
			// The poll left open closed with the meeting, its three ballots counted.
			await resultRow(page, cadencePoll, 'Ogni mese 2').waitFor();
			await expect.poll(() => page.getByRole('form', { name: /^Il tuo voto/ }).count()).toBe(0);
			await expect.poll(() => page.getByTestId('timer').getByText('In corso').count()).toBe(0);
			await page.getByText('Nessuna mano alzata', { exact: false }).waitFor();
			for (const name of [
				/^Metti a fuoco/,
				/^Alza la mano|^Abbassa la mano/,
				/^Dai la parola/,
				/^Chiudi la votazione/,
				/^Apri la votazione/,
				/^Crea e apri$/,
				/^Chiudi l'incontro$/,
				/^Registra presenza$/
			]) {
				expect(await page.getByRole('button', { name }).count()).toBe(0);
			}
			expect(await page.locator('.timer-panel').getByRole('button').count()).toBe(0);
		}
		// The agenda is now a record: the school head can neither reshape it nor type in it.
		await paola.getByText("L'incontro è concluso: l'ordine del giorno è in sola lettura.").waitFor();
		for (const name of [/^Elimina il punto/, /^Sposta/, /^Aggiungi punto$/]) {
			await expect.poll(() => paola.getByRole('button', { name }).count()).toBe(0);
		}
		// After a reload too: the room stays closed, with the minutes at hand.
		await oscar.reload();
		await oscar.getByTestId('meeting-closed-notice').getByRole('link', { name: 'Apri il verbale' }).waitFor();
		await resultRow(oscar, cadencePoll, 'Ogni mese 2').waitFor();
		expect(await oscar.getByRole('button', { name: /^Alza la mano/ }).count()).toBe(0);
		for (const page of everyone()) expect(browserErrors(page)).toEqual([]);
	});

	it('writes minutes that list who was present for each agenda item and each poll, and what was decided', async () => {
		await paola.getByTestId('meeting-closed-notice').getByRole('link', { name: 'Apri il verbale' }).click();
		await paola.waitForURL(/\/documents\//);
		await paola.getByRole('heading', { level: 1, name: `Verbale – ${meetingTitle}` }).waitFor();
		const text = paola.getByRole('textbox', { name: 'Testo del documento' });
		await text.getByText('Decisioni').waitFor();
		const lines = (await text.innerText())
			.split('\n')
			.map((line) => line.trim())
			.filter(Boolean);
		/** The line starting with `label` in the section under `heading`, before the next heading of its kind. */
		const lineAfter = (heading: string, label: string) => {
			const start = lines.indexOf(heading);
			expect(start, `«${heading}» in the minutes:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
			return lines.slice(start + 1).find((line) => line.startsWith(label)) ?? '';
		};
		const inApp = (key: keyof typeof names) => `${names[key]} (in Tavolo)`;
		const members = [inApp('marta'), inApp('oscar'), inApp('paola'), inApp('sara')];
		const withGuest = [`${guest.name} (in sala)`, ...members].join('; ');

		// Item 1 was in focus before the mayor was checked in; items 2 to 4 after.
		expect(lineAfter(`1. ${letterPoints[0]}`, 'Presenti:')).toBe(`Presenti: ${members.join('; ')}`);
		for (const n of [2, 3, 4]) expect(lineAfter(`${n}. ${letterPoints[n - 1]}`, 'Presenti:')).toBe(`Presenti: ${withGuest}`);
		expect(lineAfter(`1. ${letterPoints[0]}`, 'Relatore:')).toBe('Relatore: Società della Salute Pistoiese');
		expect(lines).toContain(
			'Le scuole chiedono mediatori linguistici. Presentato il Report rilevazione fabbisogni. Domande raccolte per il prossimo incontro.'
		);

		// Each poll: who was present, how many voted of those entitled, and the outcome.
		for (const question of [rulesPoll, cadencePoll]) {
			expect(lineAfter(question, 'Presenti:')).toBe(`Presenti: ${withGuest}`);
			expect(lineAfter(question, 'Partecipazione:')).toBe('Partecipazione: 3 votanti su 3 presenti aventi diritto');
		}
		expect(lineAfter(rulesPoll, 'Esito:')).toBe('Esito: approvata (Maggioranza semplice)');
		expect(lineAfter(cadencePoll, 'Risultato:')).toBe('Risultato: Ogni mese 2 · Ogni due mesi 1');
		expect(lineAfter(cadencePoll, 'Esito:')).toBe('Esito: prevale: Ogni mese');
		expect(lineAfter('Decisioni', rulesPoll)).toBe(`${rulesPoll} — approvata con 2 favorevoli, 0 contrari, 1 astenuti`);
		// The attendance lists the mayor by category and body.
		expect(lines.some((line) => line.startsWith(guest.name) && line.includes(guest.body) && line.includes('in sala'))).toBe(true);
		expect(browserErrors(paola)).toEqual([]);
	});
});
