import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { browserErrors, launchBrowser, newVisitor, seriousA11yViolations } from '../support/browser.ts';

/**
 * The convocation page (issue 5, item 7): a coordinator opens it from the meeting, edits the
 * subject, sends, watches the count and reads the summary; the mails arrive at a real SMTP
 * server started here, with the edited subject.
 */
describe('convening a meeting by e-mail', () => {
	let app: TestApp;
	let browser: Browser;
	let smtp: SMTPServer;
	const subjects: string[] = [];
	let coordinator: ApiClient;
	let meetingId = '';

	beforeAll(async () => {
		smtp = new SMTPServer({
			authOptional: true,
			disabledCommands: ['STARTTLS', 'AUTH'],
			logger: false,
			onData(stream, _session, callback) {
				let raw = '';
				stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
				stream.on('end', () => {
					subjects.push(/^Subject: (.*)$/m.exec(raw)?.[1] ?? '');
					callback();
				});
			}
		});
		await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
		const { port } = smtp.server.address() as AddressInfo;
		[app, browser] = await Promise.all([startTestApp({ SMTP_URL: `smtp://127.0.0.1:${port}` }), launchBrowser()]);
		coordinator = new ApiClient(app.origin);
		await coordinator.signUp('giulia@consorzio.example', 'Giulia Coordinatrice');
		const tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
		for (const [email, name] of [
			['sindaca@comune.example', 'Anna Sindaca'],
			['preside@scuola.example', 'Bruno Preside']
		]) {
			const client = new ApiClient(app.origin);
			await client.signUp(email, name);
			await client.joinTable(coordinator, tableId, { role: 'participant' });
		}
		meetingId = (
			await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Presentazione dei dati',
				startsAt: '2027-03-10T15:00:00+01:00',
				endsAt: '2027-03-10T17:00:00+01:00',
				videoUrl: 'https://meet.example.org/montagna'
			})
		).body.id;
	});

	afterAll(async () => {
		await browser?.close();
		await app?.stop();
		await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
	});

	it('edits the subject, sends to every member and shows the summary', async () => {
		const { context, page } = await newVisitor(browser, app.url);
		const [name, value] = coordinator.sessionCookie.split('=');
		await context.addCookies([{ name, value, url: app.url, httpOnly: true, sameSite: 'Lax' }]);
		const errors = browserErrors(page);

		await page.goto(`/meetings/${meetingId}`);
		await page.getByRole('link', { name: 'Convocazione' }).click();
		await page.getByRole('heading', { level: 1, name: 'Convocazione' }).waitFor();
		const letter = page.getByLabel('Testo della lettera');
		expect(await letter.inputValue()).toContain('Ordine del giorno:');
		expect(await page.getByTestId('mail-transport').textContent()).toContain('server di posta configurato');

		const subject = page.getByLabel('Oggetto');
		await subject.fill('Convocazione del tavolo: presentazione dei dati');
		await page.getByTestId('unsaved').waitFor();
		expect(await seriousA11yViolations(page)).toEqual([]);

		await page.getByRole('button', { name: 'Invia a 3 destinatari' }).click();
		const summary = page.getByTestId('send-summary');
		await summary.waitFor();
		expect(await summary.textContent()).toContain('Inviate 3 email su 3.');
		// Signing up mailed each account its address confirmation too (issue 11), and the coordinator
		// heard by mail of each member who joined (issue 14, notifications): those are not the letter.
		// (the confirmations' subject is MIME-encoded: it has a non-ASCII character).
		const letters = subjects.filter((s) => s.startsWith('Convocazione'));
		expect(subjects.length - letters.length).toBeLessThanOrEqual(5);
		expect(letters).toHaveLength(3);
		expect(new Set(letters)).toEqual(new Set(['Convocazione del tavolo: presentazione dei dati']));
		// Sending saved the edit: the page now shows it as the letter's subject, and the send.
		expect(await subject.inputValue()).toBe('Convocazione del tavolo: presentazione dei dati');
		await page.getByText('Ultimo invio:').waitFor();
		expect(await seriousA11yViolations(page)).toEqual([]);
		expect(errors).toEqual([]);
		await context.close();
	});
});
