import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium), or CHROMIUM_PATH. */
export async function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync'
		]
	});
}

/**
 * A fresh person at a laptop in Italy: an Italian browser (so Accept-Language says `it`), no
 * cookies, a 1280×720 window like the one beside a video call.
 */
export async function newVisitor(browser: Browser, baseURL: string, locale = 'it-IT'): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ baseURL, locale, viewport: { width: 1280, height: 720 }, timezoneId: 'Europe/Rome' });
	// What a click or a wait may take on a busy machine (two nodes, four browsers): it only bounds a failure.
	context.setDefaultTimeout(20_000);
	const page = await context.newPage();
	const errors: string[] = [];
	page.on('pageerror', (error) => errors.push(error.message));
	page.on('console', (message) => {
		if (message.type() === 'error' && !/status of 40[34]/.test(message.text())) errors.push(message.text());
	});
	uncaughtErrors.set(page, errors);
	return { context, page };
}

const uncaughtErrors = new WeakMap<Page, string[]>();

/** Script errors the page logged so far (hydration failures, exceptions), 403/404 loads excepted. */
export function browserErrors(page: Page): string[] {
	return uncaughtErrors.get(page) ?? [];
}

export interface AxeFinding {
	id: string;
	impact: string | null | undefined;
	help: string;
	targets: string[];
}

/** Serious and critical WCAG findings on the page as it is now (none is the goal). */
export async function seriousA11yViolations(page: Page): Promise<AxeFinding[]> {
	const results = await new AxeBuilder({ page }).analyze();
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** A visitor already signed in: the session cookie of an API client, set as the browser's own. */
export async function signedInVisitor(
	browser: Browser,
	baseURL: string,
	sessionCookie: string
): Promise<{ context: BrowserContext; page: Page }> {
	const visitor = await newVisitor(browser, baseURL);
	const [name, value] = sessionCookie.split('=');
	await visitor.context.addCookies([{ name, value, url: baseURL, httpOnly: true, sameSite: 'Lax' }]);
	return visitor;
}

/** The signed-in pages a test file opens for its people, closed together when the file ends. */
export class OpenedVisitors {
	readonly #contexts: BrowserContext[] = [];

	/** A page of its own browser context, signed in with `sessionCookie`. */
	async page(browser: Browser, baseURL: string, sessionCookie: string): Promise<Page> {
		const visitor = await signedInVisitor(browser, baseURL, sessionCookie);
		this.#contexts.push(visitor.context);
		return visitor.page;
	}

	async closeAll(): Promise<void> {
		for (const context of this.#contexts.splice(0)) await context.close().catch(() => {});
	}
}
