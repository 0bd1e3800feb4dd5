import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { meetingWithPeople, type MeetingPeople } from '../support/meeting-people.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, OpenedVisitors, seriousA11yViolations } from '../support/browser.ts';

/**
 * The live room by keyboard only (issue 13, items 1 and 2): a moderator and a participant put
 * focus on a control and press Enter or Space, and after each action focus is on the control
 * they used or on what replaced it, never on <body>; the participant's screen reader hears the
 * vote recorded and changed, the poll closed with its outcome, the results revealed.
 */
describe('the live room by keyboard', () => {
	let app: TestApp;
	let browser: Browser;
	let roomPath = '';
	let people: MeetingPeople;
	let meetingId = '';
	const opened = new OpenedVisitors();
	let marta: Page;
	let bruno: Page;

	/**
	 * What has focus, as a screen reader names it: "role: name" (aria-label, else the text without
	 * what is aria-hidden), or "body" when focus fell off the page's controls.
	 */
	const focused = (page: Page) =>
		page.evaluate(() => {
			const el = document.activeElement as HTMLElement | null;
			if (!el || el === document.body) return 'body';
			const clone = el.cloneNode(true) as HTMLElement;
			for (const hidden of clone.querySelectorAll('[aria-hidden="true"]')) hidden.remove();
			const name = el.getAttribute('aria-label') ?? (clone.textContent ?? '').replace(/\s+/g, ' ').trim();
			const roles: Record<string, string> = {
				BUTTON: 'button',
				H2: 'heading',
				H3: 'heading',
				H4: 'heading',
				INPUT: 'input',
				TEXTAREA: 'textarea'
			};
			return `${el.getAttribute('role') ?? roles[el.tagName] ?? el.tagName.toLowerCase()}: ${name}`;
		});
	const spoken = (page: Page) => page.getByTestId('room-announcer').textContent();
	const alerted = (page: Page) => page.getByTestId('room-alert').textContent();

	/** Keyboard only: focus the control, then press the key (Enter on buttons, Space on radios). */
	async function press(control: Locator, key = 'Enter') {
		await control.focus();
		await control.page().keyboard.press(key);
	}

	/** A step of the table: the action, then where focus must be. */
	async function step(page: Page, control: Locator, expected: string | RegExp) {
		await press(control);
		await expect.poll(() => focused(page)).toMatch(expected);
	}

	/**
	 * A step whose control stays: the action, what shows once it is done, then where focus must be
	 * (checked only then: a control disabled while it worked had already dropped its focus).
	 */
	async function stepDone(page: Page, control: Locator, done: Locator, expected: string | RegExp) {
		await press(control);
		await done.waitFor();
		await expect.poll(() => focused(page)).toMatch(expected);
	}

	/** Types into a field reached by keyboard focus. */
	async function typeInto(field: Locator, text: string) {
		await field.focus();
		await field.page().keyboard.type(text);
	}

	async function enterRoom(page: Page) {
		await page.goto(roomPath);
		await page.getByTestId('room-connection').getByText('In diretta').waitFor();
		await page.getByTestId('agenda-items').locator('li').first().waitFor();
	}

	const card = (page: Page, question: string) =>
		page.getByTestId('current-poll').filter({ has: page.getByRole('heading', { name: question }) });
	const ballot = (page: Page, question: string) => page.getByRole('form', { name: `Il tuo voto: ${question}` });

	async function createAndOpen(question: string, hidden = false) {
		await press(marta.getByLabel('Domanda'), 'Control+a');
		await marta.keyboard.type(question);
		if (hidden) {
			await press(marta.locator('summary', { hasText: 'Altre impostazioni' }));
			await marta.getByLabel('Risultati', { exact: true }).focus();
			await marta.getByLabel('Risultati', { exact: true }).selectOption({ label: 'Risultati nascosti finché il moderatore non li mostra' });
		}
		// Crea e apri → the new poll's question in its card.
		await step(marta, marta.getByRole('button', { name: 'Crea e apri' }), `heading: ${question}`);
	}

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		const made = await meetingWithPeople(app, {
			table: 'Tavolo Collina',
			territory: 'Collina',
			title: 'Incontro da tastiera',
			startsAt: '2027-02-11T15:00:00+01:00',
			endsAt: '2027-02-11T17:00:00+01:00'
		});
		people = made.people;
		meetingId = made.meetingId;
		roomPath = `/meetings/${made.meetingId}`;
		[marta, bruno] = await Promise.all([
			opened.page(browser, app.url, made.people.marta.sessionCookie),
			opened.page(browser, app.url, made.people.bruno.sessionCookie)
		]);
		await Promise.all([enterRoom(marta), enterRoom(bruno)]);
	});

	afterAll(async () => {
		await opened.closeAll();
		await browser?.close();
		await app?.stop();
	});

	it('asks whether to cancel the meeting in place, and Escape or "No, tienilo" give focus back to the button that asked', async () => {
		// Anna convenes the table: she may cancel a planned meeting. The question takes the focus to its harmless answer.
		const anna = await opened.page(browser, app.url, people.anna.sessionCookie);
		await enterRoom(anna);
		const opener = anna.getByRole('button', { name: "Annulla l'incontro" });
		const question = anna.getByRole('alertdialog', { name: /^Annullare l'incontro\?/ });
		await step(anna, opener, 'button: No, tienilo');
		await anna.keyboard.press('Escape');
		await expect.poll(() => focused(anna)).toBe("button: Annulla l'incontro");
		expect(await question.count()).toBe(0);

		// Escape from the reason field, half typed, closes it too.
		await anna.keyboard.press('Enter');
		await expect.poll(() => focused(anna)).toBe('button: No, tienilo');
		await anna.keyboard.press('Shift+Tab');
		await anna.keyboard.press('Shift+Tab');
		await expect.poll(() => focused(anna)).toBe('textarea: ');
		await anna.keyboard.type('Sala non disponibile');
		await anna.keyboard.press('Escape');
		await expect.poll(() => focused(anna)).toBe("button: Annulla l'incontro");
		expect(await question.count()).toBe(0);

		// "No, tienilo" by keyboard: the same.
		await anna.keyboard.press('Enter');
		await expect.poll(() => focused(anna)).toBe('button: No, tienilo');
		await anna.keyboard.press('Enter');
		await expect.poll(() => focused(anna)).toBe("button: Annulla l'incontro");
		expect(await question.count()).toBe(0);
		expect(browserErrors(anna)).toEqual([]);
		await anna.context().close();
	});

	it('runs the meeting: start, the close question answered by Escape and Annulla, the item in focus, the timer', async () => {
		await step(marta, marta.getByRole('button', { name: "Avvia l'incontro" }), "button: Chiudi l'incontro");
		await expect.poll(() => spoken(bruno)).toBe("L'incontro è iniziato.");

		// The close question is asked beside the button, with focus on the harmless answer.
		await step(marta, marta.getByRole('button', { name: "Chiudi l'incontro" }), 'button: Annulla');
		await marta.keyboard.press('Escape');
		await expect.poll(() => focused(marta)).toBe("button: Chiudi l'incontro");
		expect(await marta.getByRole('button', { name: 'Sì, chiudi' }).count()).toBe(0);
		await marta.keyboard.press('Enter');
		await expect.poll(() => focused(marta)).toBe('button: Annulla');
		await marta.keyboard.press('Enter');
		await expect.poll(() => focused(marta)).toBe("button: Chiudi l'incontro");
		expect(await marta.getByRole('button', { name: 'Sì, chiudi' }).count()).toBe(0);

		// "Metti a fuoco" goes away once its item is in focus: the keyboard stays on that item's row.
		await step(marta, marta.getByRole('button', { name: 'Metti a fuoco il punto 2' }), /^button: .*2\. /);
		await expect.poll(() => spoken(bruno)).toMatch(/^In focus: punto 2, \S/);

		// Avvia, Pausa, Riprendi: one button, focus stays on it.
		const timer = marta.locator('.timer-panel');
		await step(marta, timer.getByRole('button', { name: 'Avvia' }), 'button: Pausa');
		await step(marta, timer.getByRole('button', { name: 'Pausa' }), 'button: Riprendi');
	});

	it('votes and changes the vote with focus kept, and hears both; closing under the ballot moves its focus to the results', async () => {
		const question = 'Approviamo il calendario?';
		await createAndOpen(question);
		const form = ballot(bruno, question);
		await form.getByRole('radio', { name: 'Favorevole' }).waitFor();

		await press(form.getByRole('radio', { name: 'Favorevole' }), 'Space');
		await step(bruno, form.getByRole('button', { name: 'Vota' }), 'button: Aggiorna il voto');
		await expect.poll(() => spoken(bruno)).toBe('Voto registrato: Favorevole');

		await press(form.getByRole('radio', { name: 'Contrario' }), 'Space');
		await step(bruno, form.getByRole('button', { name: 'Aggiorna il voto' }), 'button: Aggiorna il voto');
		await expect.poll(() => spoken(bruno)).toBe('Voto aggiornato: Contrario');
		await card(marta, question).getByText('Votanti: 1').first().waitFor();

		// The participant stays on the ballot while the moderator closes the poll from the card.
		await form.getByRole('radio', { name: 'Contrario' }).focus();
		await step(marta, card(marta, question).getByRole('button', { name: `Chiudi la votazione: ${question}` }), 'heading: Risultati');
		await expect.poll(() => focused(bruno)).toBe('heading: Risultati');
		expect(await bruno.evaluate(() => document.activeElement?.closest('[data-testid="current-poll"]')?.textContent ?? '')).toContain(
			question
		);
		await expect.poll(() => spoken(bruno)).toBe(`Votazione chiusa: ${question} Esito: Respinta`);
	});

	it('reveals hidden results with focus on them, and the participant hears it', async () => {
		const question = 'Quale sede preferite?';
		await createAndOpen(question, true);
		const form = ballot(bruno, question);
		await press(form.getByRole('radio', { name: 'Favorevole' }), 'Space');
		await step(bruno, form.getByRole('button', { name: 'Vota' }), 'button: Aggiorna il voto');
		await step(marta, card(marta, question).getByRole('button', { name: `Chiudi la votazione: ${question}` }), 'heading: Risultati');
		await expect.poll(() => spoken(bruno)).toBe(`Votazione chiusa: ${question}`);
		await step(marta, card(marta, question).getByRole('button', { name: `Mostra i risultati a tutti: ${question}` }), 'heading: Risultati');
		await expect.poll(() => spoken(bruno)).toBe(`Risultati visibili a tutti: ${question}`);
		await card(bruno, question).getByTestId('poll-outcome').getByText('Approvata').waitFor();
	});

	it('raises and lowers a hand on one button (no emoji in its name), and the moderator gives and ends the turn', async () => {
		await step(bruno, bruno.getByRole('button', { name: 'Alza la mano', exact: true }), 'button: Abbassa la mano');
		await step(bruno, bruno.getByRole('button', { name: 'Abbassa la mano' }), 'button: Alza la mano');
		await step(bruno, bruno.getByRole('button', { name: 'Alza la mano', exact: true }), 'button: Abbassa la mano');

		// The moderator raises hers too, moves Bruno down (his row moves, focus stays with his arrows) and takes hers off.
		await step(marta, marta.getByRole('button', { name: 'Alza la mano', exact: true }), 'button: Abbassa la mano');
		await step(marta, marta.getByRole('button', { name: 'Sposta Bruno Sindaco più giù' }), 'button: Sposta Bruno Sindaco più su');
		await step(marta, marta.getByRole('button', { name: 'Togli Marta Moderatrice dalla lista' }), 'button: Dai la parola a Bruno Sindaco');

		await step(marta, marta.getByRole('button', { name: 'Dai la parola a Bruno Sindaco' }), 'button: Termina intervento');
		await expect.poll(() => alerted(bruno)).toBe('Hai la parola.');
		await step(marta, marta.getByRole('button', { name: 'Termina intervento' }), 'heading: Lista degli interventi');
	});

	it('keeps focus on Proponi and on Metti ai voti, or on the topics heading once the last topics went to a vote', async () => {
		const titles = ['Trasporto scolastico', 'Mediazione linguistica', 'Sportello per le famiglie', 'Corsi serali'];
		const propose = bruno.getByRole('button', { name: 'Proponi', exact: true });
		for (const title of titles) {
			await typeInto(bruno.getByLabel('Argomento'), title);
			await stepDone(bruno, propose, bruno.getByTestId('room-topic').getByText(title, { exact: true }), 'button: Proponi');
		}
		const pick = (title: string) => marta.getByRole('checkbox', { name: `Scegli per la votazione: ${title}` });
		const toVote = marta.getByRole('button', { name: /^Metti ai voti le scelte/ });
		const remaining = () => marta.getByTestId('room-topic').count();
		await pick(titles[3]).waitFor();

		// Two of four: the button stays, and so does the focus.
		await press(pick(titles[0]), 'Space');
		await press(pick(titles[1]), 'Space');
		await press(toVote);
		await expect.poll(remaining).toBe(2);
		await expect.poll(() => focused(marta)).toBe('button: Metti ai voti le scelte (0)');
		// The last two: the list goes, and its button with it.
		await press(pick(titles[2]), 'Space');
		await press(pick(titles[3]), 'Space');
		await step(marta, toVote, 'heading: Proposte di argomenti');
		expect(await remaining()).toBe(0);
	});

	it("keeps focus on Registra l'impegno and on Registra presenza after they are done", async () => {
		const commitments = marta.getByTestId('room-commitments');
		await typeInto(commitments.getByLabel('Cosa (impegno)'), 'Mappare le fermate dei bus');
		await typeInto(commitments.getByLabel('Ente responsabile'), 'Comune di Collina');
		await commitments.getByLabel('Entro quando').fill('2027-03-31');
		await stepDone(
			marta,
			commitments.getByRole('button', { name: "Registra l'impegno" }),
			commitments.getByTestId('room-commitment').filter({ hasText: 'Mappare le fermate dei bus' }),
			"button: Registra l'impegno"
		);

		await press(marta.locator('summary', { hasText: 'Registra presenze in sala e in videochiamata' }));
		await press(marta.getByRole('radio', { name: 'Ospite (per nome)' }), 'Space');
		await typeInto(marta.getByLabel('Nome e cognome'), 'Luca Preside');
		await stepDone(
			marta,
			marta.getByRole('button', { name: 'Registra presenza' }),
			marta.getByText('Luca Preside: presente in sala.'),
			'button: Registra presenza'
		);
	});

	it('keeps focus on Conferma la scelta once a tie is decided', async () => {
		const question = 'Priorità dei temi?';
		const created = await people.marta.post(`/api/v1/meetings/${meetingId}/polls`, {
			question,
			kind: 'ranked',
			options: ['Scuola', 'Lavoro', 'Casa']
		});
		expect(created.status).toBe(201);
		const pollId = created.body.id as string;
		expect((await people.marta.post(`/api/v1/polls/${pollId}/open`)).status).toBe(200);
		// Borda: Scuola 3, Lavoro 3, Casa 0, one first preference each: level.
		expect((await people.bruno.post(`/api/v1/polls/${pollId}/vote`, { choice: ['Scuola', 'Lavoro', 'Casa'] })).status).toBe(200);
		expect((await people.anna.post(`/api/v1/polls/${pollId}/vote`, { choice: ['Lavoro', 'Scuola', 'Casa'] })).status).toBe(200);
		expect((await people.marta.post(`/api/v1/polls/${pollId}/close`)).status).toBe(200);

		const tieBreak = card(marta, question).getByTestId('tie-break');
		await press(tieBreak.getByRole('radio', { name: 'Lavoro' }), 'Space');
		await stepDone(
			marta,
			tieBreak.getByRole('button', { name: 'Conferma la scelta' }),
			card(marta, question).getByTestId('poll-tie-choice').getByText('Scelta del moderatore: Lavoro'),
			'button: Conferma la scelta'
		);
	});

	it('keeps axe at 0 on both rooms, then closes the meeting with focus on its new status', async () => {
		expect(await seriousA11yViolations(marta)).toEqual([]);
		expect(await seriousA11yViolations(bruno)).toEqual([]);

		await step(marta, marta.getByRole('button', { name: "Chiudi l'incontro" }), 'button: Annulla');
		await marta.keyboard.press('Shift+Tab');
		await expect.poll(() => focused(marta)).toBe('button: Sì, chiudi');
		await marta.keyboard.press('Enter');
		await expect.poll(() => focused(marta)).toBe('span: Concluso');
		await expect.poll(() => spoken(bruno)).toBe("L'incontro è chiuso.");
		expect(browserErrors(marta)).toEqual([]);
		expect(browserErrors(bruno)).toEqual([]);
	});
});
