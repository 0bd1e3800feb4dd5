import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { strFromU8, unzipSync } from 'fflate';
import { getDocument as openPdf } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { sendDueReminders } from '../../src/lib/server/convocation/service.ts';

/**
 * Issue 5, item 7: the convocation letter generated from a meeting, edited, exported as DOCX and
 * PDF, sent over real SMTP (an in-process server reads what arrived) with a calendar invitation,
 * failures per recipient reported; and the day-before reminder, sent once.
 */
interface Received {
	envelopeTo: string[];
	mail: ParsedMail;
	raw: string;
}

const refused = 'rifiuta@comune.example';

async function startSmtp() {
	const received: Received[] = [];
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		logger: false,
		onRcptTo(address, _session, callback) {
			if (address.address === refused) return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
			callback();
		},
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('end', async () => {
				const raw = Buffer.concat(chunks).toString('utf8');
				received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail: await simpleParser(raw), raw });
				callback();
			});
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.server.address() as AddressInfo;
	return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The calendar part of a mail (nodemailer's icalEvent: a text/calendar alternative). */
function calendarOf(entry: Received): string {
	const attachment = entry.mail.attachments.find((a) => a.contentType.startsWith('text/calendar') || a.filename?.endsWith('.ics'));
	if (attachment) return attachment.content.toString('utf8');
	const match = /Content-Type: text\/calendar[\s\S]*?\r\n\r\n([\s\S]*?)\r\n--/i.exec(entry.raw);
	if (!match) throw new Error('no calendar in the mail');
	return match[1];
}

async function pdfText(bytes: Uint8Array): Promise<string> {
	const pdf = await openPdf({ data: bytes, useSystemFonts: false, isEvalSupported: false }).promise;
	const pages: string[] = [];
	for (let number = 1; number <= pdf.numPages; number++) {
		const content = await (await pdf.getPage(number)).getTextContent();
		pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
	}
	await pdf.destroy();
	return pages.join(' ').replace(/\s+/g, ' ');
}

const docxText = (xml: string) =>
	xml
		.replace(/<[^>]+>/g, ' ')
		.replace(/&apos;/g, "'")
		.replace(/&quot;/g, '"')
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&amp;/g, '&')
		.replace(/\s+/g, ' ');

describe('convocation by e-mail', () => {
	let smtp: Awaited<ReturnType<typeof startSmtp>>;
	let app: TestApp;
	let coordinator: ApiClient;
	let participant: ApiClient;
	let tableId: string;
	let meetingId: string;
	const videoUrl = 'https://meet.example.org/tavolo-montagna';

	beforeAll(async () => {
		smtp = await startSmtp();
		app = await startTestApp({ SMTP_URL: smtp.url });
		coordinator = new ApiClient(app.origin);
		await coordinator.signUp('giulia@consorzio.example', 'Giulia Coordinatrice');
		tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna Pistoiese' })).body.id;
		const table = (await coordinator.get(`/api/v1/tables/${tableId}`)).body;
		const mayors = table.categories.find((c: { key: string }) => c.key === 'mayors').id;
		const schools = table.categories.find((c: { key: string }) => c.key === 'school_heads').id;
		const people: Array<[string, string, string]> = [
			['sindaca@comune.example', 'Anna Sindaca', mayors],
			['preside@scuola.example', 'Bruno Preside', schools],
			[refused, 'Carla Rifiutata', mayors]
		];
		for (const [email, name, categoryId] of people) {
			const client = new ApiClient(app.origin);
			await client.signUp(email, name);
			const invitation = await coordinator.post(`/api/v1/tables/${tableId}/invitations`, { role: 'participant', categoryId });
			expect((await client.post(`/api/v1/invitations/${invitation.body.token}/accept`)).status).toBeLessThan(300);
			participant ??= client;
		}
		meetingId = (
			await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Presentazione del Report rilevazione fabbisogni',
				startsAt: '2027-03-10T15:00:00+01:00',
				endsAt: '2027-03-10T17:00:00+01:00',
				videoUrl
			})
		).body.id;
	}, 60_000);

	afterAll(async () => {
		await app?.stop();
		await smtp?.close();
	});

	it('generates the letter from the meeting, in the shape of the convocation letter', async () => {
		const { status, body } = await coordinator.get(`/api/v1/meetings/${meetingId}/convocation`);
		expect(status).toBe(200);
		expect(body.edited).toBe(false);
		expect(body.transport).toBe('smtp');
		expect(body.subject).toContain('Presentazione del Report rilevazione fabbisogni');
		// The table's name already says "Tavolo": the letter does not say it twice (issue 14).
		expect(body.body).toContain('Ai componenti del Tavolo Montagna:');
		// Recipients by category, expected categories, when (Rome time), where, agenda, signature.
		expect(body.body).toContain('- Sindaci dei Comuni');
		expect(body.body).toContain('È importante che ai lavori del tavolo partecipino:');
		expect(body.body).toContain('- Rappresentanti Cabina di Regia');
		expect(body.body).toContain('mercoledì 10 marzo 2027 dalle ore 15:00 alle ore 17:00');
		expect(body.body).toContain(videoUrl);
		expect(body.body).toContain(`${app.origin}/meetings/${meetingId}`);
		expect(body.body).toContain('1. Condivisione e approfondimento del progetto e del Report');
		expect(body.body).toMatch(/porgo distinti saluti\.\n\nGiulia Coordinatrice/);
		expect(body.recipients.map((r: { email: string }) => r.email).sort()).toEqual(
			['giulia@consorzio.example', 'preside@scuola.example', refused, 'sindaca@comune.example'].sort()
		);
	});

	it('is for coordinators only', async () => {
		expect((await participant.get(`/api/v1/meetings/${meetingId}/convocation`)).status).toBe(403);
		expect((await participant.post(`/api/v1/meetings/${meetingId}/convocation/send`, {})).status).toBe(403);
	});

	it('keeps the edits and exports them as DOCX and PDF', async () => {
		const current = (await coordinator.get(`/api/v1/meetings/${meetingId}/convocation`)).body;
		const subject = 'Convocazione: presentazione dei dati e attivazione del tavolo';
		const saved = await coordinator.put(`/api/v1/meetings/${meetingId}/convocation`, { subject, body: current.body });
		expect(saved.status).toBe(200);
		expect((await coordinator.put(`/api/v1/meetings/${meetingId}/convocation`, { subject: '', body: 'x' })).status).toBe(400);
		expect((await coordinator.get(`/api/v1/meetings/${meetingId}/convocation`)).body).toMatchObject({ subject, edited: true });

		const download = async (format: string) => {
			const response = await fetch(`${app.origin}/api/v1/meetings/${meetingId}/convocation/export?format=${format}`, {
				headers: { cookie: coordinator.sessionCookie }
			});
			return { status: response.status, type: response.headers.get('content-type'), bytes: new Uint8Array(await response.arrayBuffer()) };
		};
		const docx = await download('docx');
		expect(docx.status).toBe(200);
		const xml = docxText(strFromU8(unzipSync(docx.bytes)['word/document.xml']));
		expect(xml).toContain('Oggetto:');
		expect(xml).toContain('Sindaci dei Comuni');
		expect(xml).toContain('Definizione delle regole base e dei ruoli');
		expect(xml).toContain(videoUrl);
		expect(xml).toContain('Giulia Coordinatrice');

		const pdf = await download('pdf');
		expect(pdf.type).toBe('application/pdf');
		const text = await pdfText(pdf.bytes);
		expect(text).toContain('Oggetto:');
		expect(text).toContain('dalle ore 15:00 alle ore 17:00');
		expect(text).toContain('Definizione delle regole base e dei ruoli');
		expect(text).toContain('Giulia Coordinatrice');
		expect((await download('odt')).status).toBe(400);
	});

	it('mails every member with the calendar invitation; a refused address is reported, not fatal', async () => {
		const before = smtp.received.length;
		const { status, body } = await coordinator.post(`/api/v1/meetings/${meetingId}/convocation/send`, {});
		expect(status).toBe(200);
		expect(body).toMatchObject({ transport: 'smtp', total: 4, sent: 3 });
		expect(body.failed).toHaveLength(1);
		expect(body.failed[0]).toMatchObject({ email: refused, name: 'Carla Rifiutata' });
		expect(body.failed[0].error).toMatch(/550|Mailbox unavailable/);

		const mails = smtp.received.slice(before);
		expect(mails.flatMap((m) => m.envelopeTo).sort()).toEqual([
			'giulia@consorzio.example',
			'preside@scuola.example',
			'sindaca@comune.example'
		]);
		for (const mail of mails) {
			expect(mail.mail.subject).toBe('Convocazione: presentazione dei dati e attivazione del tavolo');
			expect(mail.mail.text).toContain(`${app.origin}/meetings/${meetingId}`);
			const ics = calendarOf(mail).replace(/\r\n[ \t]/g, '');
			// 15:00 in Rome on 10 March (CET, UTC+1) is 14:00 UTC.
			expect(ics).toMatch(/DTSTART:20270310T140000Z/);
			expect(ics).toMatch(/DTEND:20270310T160000Z/);
			expect(ics).toContain('SUMMARY:Presentazione del Report rilevazione fabbisogni');
			expect(ics).toContain(`LOCATION:${videoUrl}`);
			expect(ics).toMatch(/ORGANIZER;CN="?Giulia Coordinatrice"?:mailto:giulia@consorzio.example/i);
			expect(ics).toContain('METHOD:REQUEST');
		}

		const audit = await app.context.db
			.selectFrom('audit_events')
			.selectAll()
			.where('table_id', '=', tableId)
			.where('action', '=', 'convocation.send')
			.execute();
		expect(audit).toHaveLength(1);
		expect(audit[0].actor_name).toBe('Giulia Coordinatrice');
		expect((await coordinator.get(`/api/v1/meetings/${meetingId}/convocation`)).body.sentAt).toBeTruthy();
	});

	it('streams the progress per recipient when asked for NDJSON', async () => {
		const response = await fetch(`${app.origin}/api/v1/meetings/${meetingId}/convocation/send`, {
			method: 'POST',
			headers: {
				cookie: coordinator.sessionCookie,
				origin: app.origin,
				'content-type': 'application/json',
				accept: 'application/x-ndjson'
			},
			body: '{}'
		});
		expect(response.headers.get('content-type')).toContain('application/x-ndjson');
		const lines = (await response.text())
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line));
		expect(lines.filter((l) => l.type === 'progress').map((l) => l.done)).toEqual([1, 2, 3, 4]);
		expect(lines.at(-1)).toMatchObject({ type: 'done', summary: { total: 4, sent: 3 } });
	});

	it('reminds the members the day before, once', async () => {
		const soon = new Date(Date.now() + 3 * 60 * 60 * 1000);
		const soonId = (
			await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Secondo incontro del tavolo',
				startsAt: soon.toISOString(),
				endsAt: new Date(soon.getTime() + 2 * 60 * 60 * 1000).toISOString(),
				videoUrl
			})
		).body.id;
		const before = smtp.received.length;
		// Only a convened meeting is reminded (issue 14): convened first (its mails are not reminders).
		await coordinator.post(`/api/v1/meetings/${soonId}/convocation/send`, {});
		const deps = { db: app.context.db, mailer: app.context.mailer!, logger: app.context.logger, baseUrl: app.origin };
		const [first, second] = [await sendDueReminders(deps), await sendDueReminders(deps)];
		// The scheduler of the app may have claimed it first: between them, exactly one run did.
		expect([...first, ...second].filter((id) => id === soonId).length).toBeLessThanOrEqual(1);
		await expect.poll(() => smtp.received.slice(before).filter((m) => m.mail.subject?.startsWith('Promemoria')).length).toBe(3);
		const reminders = smtp.received
			.slice(before)
			.filter((m) => m.mail.subject?.startsWith('Promemoria') && m.mail.subject.includes('Secondo incontro del tavolo'));
		expect(reminders).toHaveLength(3);
		expect(reminders[0].mail.text).toContain(videoUrl);
		expect(calendarOf(reminders[0]).replace(/\r\n[ \t]/g, '')).toMatch(/DTSTART:\d{8}T\d{6}Z/);
		// Not the far meeting (March 2027), and never twice.
		expect(await sendDueReminders(deps)).toEqual([]);
		expect(smtp.received.slice(before).filter((m) => m.mail.subject?.includes('Presentazione del Report'))).toHaveLength(0);
		expect((await coordinator.get(`/api/v1/meetings/${soonId}/convocation`)).body.reminderSentAt).toBeTruthy();
		const audit = await app.context.db
			.selectFrom('audit_events')
			.select('actor_id')
			.where('action', '=', 'convocation.reminder')
			.where('subject_id', '=', soonId)
			.execute();
		expect(audit).toEqual([{ actor_id: null }]);
	});
});

describe('convocation without SMTP_URL', () => {
	let app: TestApp;
	afterAll(async () => app?.stop());

	it('says the mails go to the log, and logs them', async () => {
		app = await startTestApp();
		const coordinator = new ApiClient(app.origin);
		await coordinator.signUp('anna@consorzio.example', 'Anna Coordinatrice');
		const tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Piana', territory: 'Piana' })).body.id;
		const meetingId = (
			await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Avvio',
				startsAt: '2027-04-01T10:00:00+02:00',
				endsAt: '2027-04-01T12:00:00+02:00'
			})
		).body.id;
		const convocation = (await coordinator.get(`/api/v1/meetings/${meetingId}/convocation`)).body;
		expect(convocation.transport).toBe('log');
		expect(convocation.body).toContain('il collegamento sarà comunicato per posta elettronica');
		const sent = await coordinator.post(`/api/v1/meetings/${meetingId}/convocation/send`, {});
		expect(sent.body).toMatchObject({ transport: 'log', total: 1, sent: 1, failed: [] });
	});
});
