import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, newVisitor, OpenedVisitors, seriousA11yViolations } from '../support/browser.ts';
import { meetingWithPeople, type MeetingPeople } from '../support/meeting-people.ts';

/**
 * Issue 13, items 4 and 5: every page reflows at 320 CSS px (WCAG 1.4.10: a 1280 px window at
 * 400 % zoom), the header folds its account controls behind a menu button, the live room works on
 * a 390 px phone without scrolling sideways, and form fields show a boundary one can see (1.4.11).
 * Set REFLOW_SCREENSHOTS=<folder> to keep a screenshot of each page at 320 px.
 */

interface Overflow {
	scrollWidth: number;
	clientWidth: number;
	culprits: string[];
}

/** What does not fit: the page's own width against the window's, and the elements sticking out. */
async function overflow(page: Page): Promise<Overflow> {
	return page.evaluate(() => {
		const root = document.documentElement;
		const culprits: string[] = [];
		for (const element of document.body.querySelectorAll<HTMLElement>('*')) {
			const box = element.getBoundingClientRect();
			if (box.width === 0 || box.right <= root.clientWidth + 0.5) continue;
			// Clipped by a box that scrolls on its own (and fits): that is allowed, and not the culprit.
			let clipper = element.parentElement;
			while (clipper && clipper !== document.body && getComputedStyle(clipper).overflowX === 'visible') clipper = clipper.parentElement;
			if (clipper && clipper !== document.body && clipper.getBoundingClientRect().right <= root.clientWidth + 0.5) continue;
			// Only the innermost: a parent that sticks out because of its child says nothing more.
			if ([...element.children].some((child) => child.getBoundingClientRect().right > root.clientWidth + 0.5)) continue;
			const name =
				element.tagName.toLowerCase() +
				(element.className && typeof element.className === 'string' ? `.${element.className.trim().split(/\s+/).join('.')}` : '');
			culprits.push(`${name} (${Math.round(box.left)}–${Math.round(box.right)})`);
			if (culprits.length === 5) break;
		}
		return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, culprits };
	});
}

/** Contrast ratio of two CSS colours (rgb()/rgba() strings as computed styles give them), WCAG 2.1's formula. */
function contrast(a: string, b: string): number {
	const luminance = (color: string) => {
		const [r, g, bl] = (color.match(/[\d.]+/g) ?? []).slice(0, 3).map((channel) => {
			const c = Number(channel) / 255;
			return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
		});
		return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
	};
	const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
	return (light + 0.05) / (dark + 0.05);
}

/** A field's visible boundary (its bottom border, the one every field has) against the colour behind it. */
async function boundaryContrast(page: Page, field: ReturnType<Page['locator']>): Promise<number> {
	const [border, background] = await field.evaluate((element) => {
		const style = getComputedStyle(element);
		let behind: Element | null = element.parentElement;
		let backgroundColor = 'rgb(255, 255, 255)';
		while (behind) {
			const color = getComputedStyle(behind).backgroundColor;
			if (color !== 'rgba(0, 0, 0, 0)' && color !== 'transparent') {
				backgroundColor = color;
				break;
			}
			behind = behind.parentElement;
		}
		if (parseFloat(style.borderBottomWidth) < 1 || style.borderBottomStyle === 'none') return ['none', backgroundColor];
		return [style.borderBottomColor, backgroundColor];
	});
	return border === 'none' ? 0 : contrast(border, background);
}

describe('reflow at 320 px, a phone at 390 px, visible field boundaries', () => {
	let app: TestApp;
	let browser: Browser;
	let people: MeetingPeople;
	let tableId = '';
	let meetingId = '';
	let documentId = '';
	let invitationPath = '';
	const opened = new OpenedVisitors();
	let anna: Page;
	/** The first-run page, measured before anyone has an account (it is gone after). */
	let setupOverflow: Overflow;

	beforeAll(async () => {
		[app, browser] = await Promise.all([startTestApp(), launchBrowser()]);
		const installer = await newVisitor(browser, app.url);
		try {
			await installer.page.setViewportSize({ width: 320, height: 640 });
			await installer.page.goto('/setup');
			await installer.page.getByRole('heading', { level: 1, name: 'Configura Tavolo' }).waitFor();
			setupOverflow = await overflow(installer.page);
		} finally {
			await installer.context.close();
		}
		// Anna signs up first: the admin, and the table's coordinator.
		({ people, tableId, meetingId } = await meetingWithPeople(app, {
			table: 'Tavolo territoriale Montagna Pistoiese',
			territory: 'Montagna Pistoiese',
			title: 'Primo incontro del tavolo territoriale Montagna Pistoiese',
			startsAt: '2027-12-09T15:00:00+01:00',
			endsAt: '2027-12-09T17:00:00+01:00'
		}));
		documentId = (await people.anna.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title: 'Protocollo di accoglienza' }))
			.body.id;
		expect((await people.anna.post(`/api/v1/documents/${documentId}/versions`, { note: 'Prima stesura' })).status).toBe(201);
		expect((await people.anna.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).status).toBe(200);
		const poll = await people.marta.post(`/api/v1/meetings/${meetingId}/polls`, {
			question: 'Approviamo le regole base e i ruoli per il funzionamento del tavolo?',
			kind: 'yesno'
		});
		expect(poll.status).toBe(201);
		expect((await people.marta.post(`/api/v1/polls/${poll.body.id}/open`)).status).toBe(200);
		const invitation = await people.anna.post(`/api/v1/tables/${tableId}/invitations`, { role: 'participant' });
		expect(invitation.status).toBe(201);
		invitationPath = `/invite/${invitation.body.token}`;
		// A report for the admin's list, naming the page it is about by its whole address, as people paste it.
		const report = await people.bruno.post('/api/v1/accessibility-feedback', {
			page: `${app.origin}/meetings/${meetingId}/convocation?destinatari=tutti-i-componenti-del-tavolo`,
			message: 'Con lo zoom al 400 % il pulsante per firmare la convocazione esce dallo schermo.'
		});
		expect(report.status).toBe(201);
		anna = await opened.page(browser, app.url, people.anna.sessionCookie);
		await anna.setViewportSize({ width: 320, height: 640 });
	});

	afterAll(async () => {
		await opened.closeAll();
		await browser?.close();
		await app?.stop();
	});

	/** Each page a member and an admin can reach, and what shows once it is ready. */
	const signedInPages = () => [
		{ name: 'home', path: '/', ready: (page: Page) => page.getByRole('heading', { level: 1 }).first() },
		{ name: 'table', path: `/tables/${tableId}`, ready: (page: Page) => page.getByRole('heading', { level: 1 }).first() },
		{ name: 'audit', path: `/tables/${tableId}/audit`, ready: (page: Page) => page.getByRole('table').first() },
		{
			name: 'meeting room',
			path: `/meetings/${meetingId}`,
			ready: (page: Page) => page.getByTestId('room-connection').getByText('In diretta')
		},
		{
			name: 'convocation',
			path: `/meetings/${meetingId}/convocation`,
			ready: (page: Page) => page.getByRole('heading', { level: 1 }).first()
		},
		{ name: 'projector', path: `/meetings/${meetingId}/present`, ready: (page: Page) => page.getByRole('heading').first() },
		{ name: 'document', path: `/documents/${documentId}`, ready: (page: Page) => page.locator('.ProseMirror') },
		{
			name: 'compare',
			path: `/documents/${documentId}/compare?from=1&to=current`,
			ready: (page: Page) => page.getByRole('heading', { level: 1 }).first()
		},
		{
			name: 'version',
			path: `/documents/${documentId}/versions/1`,
			ready: (page: Page) => page.getByRole('heading', { level: 1 }).first()
		},
		{ name: 'review', path: '/review', ready: (page: Page) => page.getByRole('heading', { level: 1 }).first() },
		{ name: 'account', path: '/account', ready: (page: Page) => page.getByRole('heading', { level: 1 }).first() },
		{ name: 'admin', path: '/admin', ready: (page: Page) => page.getByRole('heading', { level: 1 }).first() },
		{ name: 'organization', path: '/admin/organization', ready: (page: Page) => page.getByRole('heading', { level: 1 }).first() },
		{
			name: 'accessibility reports',
			path: '/admin/accessibility-feedback',
			ready: (page: Page) => page.getByRole('heading', { level: 2, name: /Bruno Sindaco/ })
		},
		{ name: 'notifications', path: '/notifiche', ready: (page: Page) => page.getByRole('main').getByTestId('notification').first() },
		{
			name: 'error page',
			path: '/tables/00000000-0000-4000-8000-000000000000',
			ready: (page: Page) => page.getByRole('heading', { level: 1 }).first()
		}
	];
	const publicPages = [
		{ name: 'login', path: '/login' },
		{ name: 'signup', path: '/signup' },
		{ name: 'password reset', path: '/password-reset' },
		{ name: 'new password', path: '/password-reset/new?token=from-the-mail' },
		{ name: 'email verification', path: '/verify-email?token=from-the-mail' },
		{ name: 'accessibility statement', path: '/accessibilita' },
		{ name: 'invitation', path: () => invitationPath }
	];

	it('fits every page in 320 px without scrolling sideways', async () => {
		const failures: string[] = [];
		const record = (name: string, { scrollWidth, clientWidth, culprits }: Overflow) => {
			if (scrollWidth > clientWidth) failures.push(`${name}: ${scrollWidth} px in ${clientWidth} px, ${culprits.join(', ')}`);
		};
		const check = async (page: Page, name: string) => {
			const folder = process.env.REFLOW_SCREENSHOTS;
			if (folder) await page.screenshot({ path: `${folder}/320-${name.replace(/ /g, '-')}.png`, fullPage: true });
			record(name, await overflow(page));
		};
		record('first-run setup', setupOverflow);
		for (const { name, path, ready } of signedInPages()) {
			await anna.goto(path);
			await ready(anna).waitFor();
			await check(anna, name);
			// The audit table scrolls in its own region, which one can reach by Tab to scroll it.
			if (name === 'audit') {
				const region = anna.getByRole('region', { name: /^Attività registrate: \d+, scorri in orizzontale/ });
				await region.getByRole('table').waitFor();
				expect(await region.getAttribute('tabindex')).toBe('0');
			}
		}
		const visitor = await newVisitor(browser, app.url);
		try {
			await visitor.page.setViewportSize({ width: 320, height: 640 });
			for (const { name, path } of publicPages) {
				await visitor.page.goto(typeof path === 'string' ? path : path());
				await visitor.page.getByRole('heading', { level: 1 }).first().waitFor();
				await check(visitor.page, name);
			}
		} finally {
			await visitor.context.close();
		}
		expect(failures).toEqual([]);
		expect(browserErrors(anna)).toEqual([]);
	});

	it('folds language, account and Esci behind a menu button at 320 px, opened and closed by keyboard', async () => {
		await anna.goto('/');
		const menu = anna.getByRole('button', { name: 'Menu' });
		const logout = anna.getByRole('button', { name: 'Esci' });
		expect(await logout.isVisible()).toBe(false);
		// From the skip link, Tab reaches the notification bell, which stays in the bar at every
		// width, then the menu button: the brand is plain text.
		await anna.keyboard.press('Tab');
		await anna.keyboard.press('Tab');
		expect(await anna.getByTestId('notification-bell').evaluate((el) => el === document.activeElement)).toBe(true);
		await anna.keyboard.press('Tab');
		expect(await anna.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Menu');
		expect(await menu.getAttribute('aria-expanded')).toBe('false');
		await anna.keyboard.press('Enter');
		expect(await menu.getAttribute('aria-expanded')).toBe('true');
		const controlled = anna.locator(`#${await menu.getAttribute('aria-controls')}`);
		await controlled.getByRole('button', { name: 'Esci' }).waitFor();
		await controlled.getByRole('link', { name: /Il mio account/ }).waitFor();
		expect(await controlled.getByRole('button', { name: 'English' }).isVisible()).toBe(true);
		// Tab goes into the open menu, in the order one reads it.
		await anna.keyboard.press('Tab');
		expect(await anna.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Italiano');
		const open = await overflow(anna);
		expect(open.scrollWidth, open.culprits.join(', ')).toBeLessThanOrEqual(open.clientWidth);
		// Escape closes it and gives the focus back to the button.
		await anna.keyboard.press('Escape');
		expect(await menu.getAttribute('aria-expanded')).toBe('false');
		expect(await logout.isVisible()).toBe(false);
		expect(await anna.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Menu');
		expect(await seriousA11yViolations(anna)).toEqual([]);

		// At a laptop's width there is no menu button: the controls sit in the bar.
		await anna.setViewportSize({ width: 1280, height: 720 });
		expect(await menu.isVisible()).toBe(false);
		expect(await logout.isVisible()).toBe(true);
		await anna.setViewportSize({ width: 320, height: 640 });
	});

	it('lets a participant on a 390 px phone follow the item in focus, vote and raise a hand without scrolling sideways', async () => {
		const marta = await opened.page(browser, app.url, people.marta.sessionCookie);
		const bruno = await opened.page(browser, app.url, people.bruno.sessionCookie);
		await bruno.setViewportSize({ width: 390, height: 844 });
		await Promise.all(
			[marta, bruno].map(async (page) => {
				await page.goto(`/meetings/${meetingId}`);
				await page.getByTestId('room-connection').getByText('In diretta').waitFor();
			})
		);
		const tabs = bruno.getByRole('tablist', { name: 'Sezioni della stanza' });
		const tabNames = await tabs.getByRole('tab').allTextContents();
		expect(tabNames).toHaveLength(3);
		// Every tab is inside the window, the third ("Interventi e votazioni") too.
		for (const tab of await tabs.getByRole('tab').all()) {
			const box = (await tab.boundingBox())!;
			expect(box.x).toBeGreaterThanOrEqual(0);
			expect(box.x + box.width).toBeLessThanOrEqual(390);
		}

		// The moderator puts item 1 in focus; the phone shows it in the focus tab.
		await marta.getByTestId('agenda-items').locator(':scope > li').first().waitFor();
		await marta.getByRole('button', { name: 'Metti a fuoco il punto 1' }).click();
		await tabs.getByRole('tab', { name: /^In focus/ }).click();
		await bruno.getByTestId('focus-item').getByRole('heading').getByText(/^1\. /).waitFor();

		// The ballot, in the focus tab.
		const ballot = bruno.getByRole('form', { name: 'Il tuo voto: Approviamo le regole base e i ruoli per il funzionamento del tavolo?' });
		await ballot.getByRole('radio', { name: 'Favorevole' }).focus();
		await bruno.keyboard.press('Space');
		await ballot.getByRole('button', { name: 'Vota' }).click();
		await ballot.getByText('Voto registrato.', { exact: false }).waitFor();
		let now = await overflow(bruno);
		expect(now.scrollWidth, now.culprits.join(', ')).toBeLessThanOrEqual(now.clientWidth);

		// Alza la mano, in the third tab.
		await tabs.getByRole('tab', { name: /^Interventi e votazioni/ }).click();
		await bruno.getByRole('button', { name: 'Alza la mano' }).click();
		await tabs.getByRole('tab', { name: 'Interventi e votazioni (1)' }).waitFor();
		now = await overflow(bruno);
		expect(now.scrollWidth, now.culprits.join(', ')).toBeLessThanOrEqual(now.clientWidth);
		expect(await seriousA11yViolations(bruno)).toEqual([]);
		expect(browserErrors(bruno)).toEqual([]);
	});

	it('draws every field with a boundary of at least 3:1: agenda title and presenter, poll question, convocation subject', async () => {
		await anna.setViewportSize({ width: 1280, height: 720 });
		await anna.goto(`/meetings/${meetingId}`);
		await anna.getByTestId('room-connection').getByText('In diretta').waitFor();
		const item = anna.getByTestId('agenda-items').locator(':scope > li').first();
		await item.waitFor();
		// The room's agenda shows a row per item; its fields open from the row.
		const row = anna.getByTestId('agenda-item-toggle').first();
		if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
		const fields = {
			'agenda title': item.getByLabel('Titolo del punto 1', { exact: true }),
			presenter: item.getByLabel('Relatore del punto 1', { exact: true }),
			minutes: item.getByLabel('Minuti del punto 1', { exact: true }),
			'poll question': anna.getByLabel('Domanda')
		};
		const ratios: Record<string, number> = {};
		for (const [name, field] of Object.entries(fields)) ratios[name] = await boundaryContrast(anna, field.first());

		// A field of the item in focus, reached from further down the agenda, comes into view below the sticky timer.
		const column = anna.locator('.agenda-column');
		await column.evaluate((element) => element.scrollTo({ top: element.scrollHeight, behavior: 'instant' }));
		await fields.presenter.first().focus();
		const [fieldTop, timerBottom] = await anna.evaluate(() => [
			document.activeElement!.getBoundingClientRect().top,
			document.querySelector('.agenda-column .timer-panel')!.getBoundingClientRect().bottom
		]);
		expect(fieldTop).toBeGreaterThanOrEqual(timerBottom);

		// 200 % text (the browser's text size, which scales rem): the minutes still show whole.
		await anna.evaluate(() => (document.documentElement.style.fontSize = '200%'));
		const minutes = fields.minutes.first();
		await minutes.fill('40');
		// An input whose text is cut scrolls inside itself: its scrollWidth passes its clientWidth (83 in 72 px before).
		const [textWidth, boxWidth] = await minutes.evaluate((element) => [element.scrollWidth, element.clientWidth]);
		expect(textWidth).toBeLessThanOrEqual(boxWidth);
		await anna.evaluate(() => (document.documentElement.style.fontSize = ''));
		await anna.goto(`/meetings/${meetingId}/convocation`);
		ratios['convocation subject'] = await boundaryContrast(anna, anna.getByLabel('Oggetto'));
		for (const [name, ratio] of Object.entries(ratios)) expect(ratio, name).toBeGreaterThanOrEqual(3);
		await anna.setViewportSize({ width: 320, height: 640 });
	});
});
