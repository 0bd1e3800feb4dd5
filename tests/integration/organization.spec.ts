import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strFromU8, unzipSync } from 'fflate';
import { getDocument as openPdf } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { startSmtpInbox, type SmtpInbox } from '../support/smtp-inbox.ts';

/**
 * Issue 14, items 1 and 2: the organisation an admin sets (GET/PUT /api/v1/organization) is who
 * speaks in the convocation letter (letterhead, "Pistoia, …", the Director's signature), its
 * DOCX and PDF (named by table and day, links clickable) and the mail's From; names the
 * coordinator typed are never doubled ("tavolo territoriale Tavolo pistoiese").
 */
const identity = {
	name: 'Società della Salute Pistoiese',
	shortName: 'SdS Pistoiese',
	place: 'Pistoia',
	address: 'Viale G. Matteotti, 35 - 51100 Pistoia',
	email: 'segreteria@sds.example',
	pec: 'sds@pec.example',
	website: 'https://www.sdspistoiese.example',
	signatoryName: 'Daniele Mannelli',
	signatoryTitle: 'Il Direttore',
	footer: 'C.F. – P. IVA 90048490479'
};
const videoUrl = 'https://meet.example.org/tavolo-pistoiese';

const docxText = (xml: string) =>
	xml
		.replace(/<[^>]+>/g, ' ')
		.replace(/&apos;/g, "'")
		.replace(/&quot;/g, '"')
		.replace(/&amp;/g, '&')
		.replace(/\s+/g, ' ');

let app: TestApp;
let inbox: SmtpInbox;
let admin: ApiClient;
let member: ApiClient;

beforeAll(async () => {
	inbox = await startSmtpInbox();
	app = await startTestApp({ SMTP_URL: inbox.url, TAVOLO_LOGO_MAX_BYTES: '2048' });
	admin = new ApiClient(app.origin);
	// The first account of a deployment is its admin.
	expect((await admin.signUp('direttore@sds.example', 'Giulia Coordinatrice')).isAdmin).toBe(true);
	member = new ApiClient(app.origin);
	expect((await member.signUp('membro@comune.example', 'Marco Membro')).isAdmin).toBe(false);
}, 60_000);

afterAll(async () => {
	await app?.stop();
	await inbox?.close();
});

describe('the organisation (admin)', () => {
	it('is read and written by the admin only', async () => {
		const before = await admin.get('/api/v1/organization');
		expect(before.status).toBe(200);
		expect(before.body).toMatchObject({ name: 'Tavolo', place: '', signatoryName: '' });
		expect((await member.get('/api/v1/organization')).status).toBe(403);
		const refused = await member.put('/api/v1/organization', identity);
		expect(refused.status).toBe(403);
		expect(refused.body.error.code).toBe('forbidden');
		expect((await admin.get('/api/v1/organization')).body).toEqual(before.body);
	});

	it('refuses bad input with the field named, in Italian, and changes nothing', async () => {
		const before = (await admin.get('/api/v1/organization')).body;
		const bad: Record<string, unknown>[] = [
			{ ...identity, name: '' },
			{ ...identity, place: '   ' },
			{ ...identity, email: 'non-una-email' },
			{ ...identity, pec: 'pec@' },
			{ ...identity, website: 'javascript:alert(1)' },
			{ ...identity, shortName: 'x'.repeat(61) },
			{ ...identity, footer: 'x'.repeat(501) },
			{ ...identity, signatoryName: 'Daniele\u0000Mannelli' },
			{ ...identity, name: 42 }
		];
		for (const input of bad) {
			const response = await admin.put('/api/v1/organization', input);
			expect(response.status, JSON.stringify(input)).toBe(400);
			expect(response.body.error.code).toBe('validation_failed');
			expect(Object.keys(response.body.error.fields ?? {})).toHaveLength(1);
			expect(response.body.error.message).toMatch(/campi/);
		}
		expect((await admin.get('/api/v1/organization')).body).toEqual(before);
	});

	it('keeps what the admin saves; optional fields may be left blank', async () => {
		const saved = await admin.put('/api/v1/organization', { ...identity, website: '', pec: '' });
		expect(saved.status).toBe(200);
		expect(saved.body).toEqual({ ...identity, website: '', pec: '' });
		expect((await admin.put('/api/v1/organization', identity)).body).toEqual(identity);
		expect((await admin.get('/api/v1/organization')).body).toEqual(identity);
	});
});

let meetingId: string;

describe('the organisation speaks in the convocation', () => {
	beforeAll(async () => {
		const programme = await admin.post('/api/v1/programmes', { name: 'Progetto FAMI FA.SI' });
		expect(programme.status).toBe(201);
		const table = await admin.post('/api/v1/tables', {
			name: 'Tavolo pistoiese',
			territory: 'Area pistoiese',
			programmeId: programme.body.id
		});
		expect(table.status).toBe(201);
		const meeting = await admin.post(`/api/v1/tables/${table.body.id}/meetings`, {
			title: 'Presentazione dei dati',
			startsAt: '2027-01-14T15:00:00+01:00',
			endsAt: '2027-01-14T17:00:00+01:00',
			videoUrl
		});
		meetingId = meeting.body.id;
	});

	it('letter: place and date, no doubled names, the signatory signs', async () => {
		const { body } = await admin.get(`/api/v1/meetings/${meetingId}/convocation`);
		expect(body.body).toMatch(/^Pistoia, \d{1,2} \p{L}+ \d{4}\n/u);
		expect(body.body).toContain('Ai componenti del Tavolo pistoiese:');
		expect(body.body).toContain(
			"Nell'ambito del Progetto FAMI FA.SI, Società della Salute Pistoiese convoca l'incontro «Presentazione dei dati» del Tavolo pistoiese."
		);
		expect(body.body).not.toMatch(/tavolo (territoriale )?tavolo|progetto progetto/i);
		expect(body.body).toMatch(/porgo distinti saluti\.\n\nIl Direttore\nSocietà della Salute Pistoiese\nDaniele Mannelli$/);
		expect(body.protocolNumber).toBe('');
	});

	it('DOCX and PDF: letterhead, protocol number, clickable link, signatory, named by table and day', async () => {
		const current = (await admin.get(`/api/v1/meetings/${meetingId}/convocation`)).body;
		const saved = await admin.put(`/api/v1/meetings/${meetingId}/convocation`, {
			subject: current.subject,
			body: current.body,
			protocolNumber: '123/2027'
		});
		expect(saved.status).toBe(200);
		expect((await admin.get(`/api/v1/meetings/${meetingId}/convocation`)).body.protocolNumber).toBe('123/2027');
		expect(
			(await admin.put(`/api/v1/meetings/${meetingId}/convocation`, { subject: 's', body: 'b', protocolNumber: 'x'.repeat(61) })).status
		).toBe(400);

		const download = async (format: string) => {
			const response = await fetch(`${app.origin}/api/v1/meetings/${meetingId}/convocation/export?format=${format}`, {
				headers: { cookie: admin.sessionCookie }
			});
			expect(response.status).toBe(200);
			return { disposition: response.headers.get('content-disposition'), bytes: new Uint8Array(await response.arrayBuffer()) };
		};

		const docx = await download('docx');
		expect(docx.disposition).toBe('attachment; filename="convocazione-tavolo-pistoiese-2027-01-14.docx"');
		const files = unzipSync(docx.bytes);
		const xml = docxText(strFromU8(files['word/document.xml']));
		expect(xml).toContain('Società della Salute Pistoiese');
		expect(xml).toContain('Viale G. Matteotti, 35 - 51100 Pistoia · Email segreteria@sds.example · PEC sds@pec.example');
		expect(xml).toContain('Prot. n. 123/2027');
		expect(xml).toMatch(/Pistoia, \d{1,2} \p{L}+ \d{4}/u);
		expect(xml).toContain('Il Direttore');
		expect(xml).toContain('Daniele Mannelli');
		expect(xml).not.toMatch(/tavolo (territoriale )?tavolo|progetto progetto/i);
		const relationships = strFromU8(files['word/_rels/document.xml.rels']);
		expect(relationships).toMatch(new RegExp(`Target="${videoUrl}"[^>]*TargetMode="External"`));
		const headers = Object.keys(files)
			.filter((name) => /^word\/header\d*\.xml$/.test(name))
			.map((name) => docxText(strFromU8(files[name])))
			.join(' ');
		expect(headers).toContain('SdS Pistoiese · Progetto FAMI FA.SI · Tavolo pistoiese');
		const footers = Object.keys(files)
			.filter((name) => /^word\/footer\d*\.xml$/.test(name))
			.map((name) => docxText(strFromU8(files[name])))
			.join(' ');
		expect(footers).toContain('C.F. – P. IVA 90048490479');

		const pdf = await download('pdf');
		expect(pdf.disposition).toBe('attachment; filename="convocazione-tavolo-pistoiese-2027-01-14.pdf"');
		const document = await openPdf({ data: pdf.bytes, useSystemFonts: false, isEvalSupported: false }).promise;
		const pages: string[] = [];
		const links: string[] = [];
		for (let number = 1; number <= document.numPages; number++) {
			const page = await document.getPage(number);
			pages.push((await page.getTextContent()).items.map((item) => ('str' in item ? item.str : '')).join(' '));
			const annotations = (await page.getAnnotations()) as { subtype: string; url?: string; unsafeUrl?: string }[];
			links.push(...annotations.filter((a) => a.subtype === 'Link').map((a) => a.unsafeUrl ?? a.url ?? ''));
		}
		await document.destroy();
		const text = pages.join(' ').replace(/\s+/g, ' ');
		expect(text).toContain('Società della Salute Pistoiese');
		expect(text).toContain('Prot. n. 123/2027');
		expect(text).toMatch(/Pistoia, \d{1,2} \p{L}+ \d{4}/u);
		expect(text).toContain('Daniele Mannelli');
		expect(text).toContain('C.F. – P. IVA 90048490479');
		expect(links).toContain(videoUrl);
		expect(links).toContain(`${app.origin}/meetings/${meetingId}`);
	});

	it('mails go out under the organisation’s name, with the protocol number', async () => {
		const before = inbox.mailsTo('direttore@sds.example').length;
		const sent = await admin.post(`/api/v1/meetings/${meetingId}/convocation/send`, {});
		expect(sent.body).toMatchObject({ total: 1, sent: 1 });
		// The admin is the table's only member: the letter goes to them.
		const mail = await inbox.nextMailTo('direttore@sds.example', before);
		expect(mail.mail.from?.value[0]).toMatchObject({ name: 'Società della Salute Pistoiese' });
		expect(mail.mail.text).toMatch(/^Prot\. n\. 123\/2027\n\nPistoia, /);
	});
});

/** A real PNG of `width` × `height` opaque pixels (RGB, no filter), chunks and CRCs as the format asks. */
function makePng(width: number, height: number): Uint8Array<ArrayBuffer> {
	const chunk = (type: string, data: Uint8Array) => {
		const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
		const length = Buffer.alloc(4);
		length.writeUInt32BE(data.length);
		const crc = Buffer.alloc(4);
		crc.writeUInt32BE(crc32(body));
		return Buffer.concat([length, body, crc]);
	};
	const header = Buffer.alloc(13);
	header.writeUInt32BE(width, 0);
	header.writeUInt32BE(height, 4);
	header.set([8, 2, 0, 0, 0], 8);
	const rows = Buffer.alloc((width * 3 + 1) * height, 0x40);
	for (let y = 0; y < height; y++) rows[y * (width * 3 + 1)] = 0;
	const bytes = Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		chunk('IHDR', header),
		chunk('IDAT', deflateSync(rows)),
		chunk('IEND', new Uint8Array())
	]);
	return new Uint8Array(bytes);
}

const run = promisify(execFile);

/** `pdfimages -list` and `pdftotext` of a PDF: the images it holds and its text. */
async function readPdf(bytes: Uint8Array): Promise<{ images: Array<{ width: number; height: number }>; text: string }> {
	const dir = await mkdtemp(path.join(tmpdir(), 'tavolo-letter-'));
	try {
		const file = path.join(dir, 'letter.pdf');
		await writeFile(file, bytes);
		const list = (await run('pdfimages', ['-list', file])).stdout
			.split('\n')
			.slice(2)
			.filter((line) => line.trim());
		const images = list.map((line) => {
			const columns = line.trim().split(/\s+/);
			return { width: Number(columns[3]), height: Number(columns[4]) };
		});
		const text = (await run('pdftotext', ['-layout', file, '-'])).stdout;
		return { images, text };
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

/** A PDF's objects uncompressed (qpdf --qdf), to read its content streams. */
async function pdfContent(bytes: Uint8Array): Promise<string> {
	const dir = await mkdtemp(path.join(tmpdir(), 'tavolo-letter-'));
	try {
		await writeFile(path.join(dir, 'in.pdf'), bytes);
		await run('qpdf', ['--qdf', '--object-streams=disable', path.join(dir, 'in.pdf'), path.join(dir, 'out.pdf')]);
		return (await readFile(path.join(dir, 'out.pdf'))).toString('latin1');
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

describe("the organisation's logo", () => {
	const png = makePng(40, 20);
	const svg =
		'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><use href="#a"/><rect id="a" width="10" height="10"/></svg>';
	const upload = (client: ApiClient, bytes: Uint8Array<ArrayBuffer> | string, type = 'image/png') => {
		const form = new FormData();
		form.set('file', new Blob([bytes], { type }), 'logo');
		return fetch(`${app.origin}/api/v1/organization/logo`, {
			method: 'PUT',
			headers: { cookie: client.sessionCookie, origin: app.origin },
			body: form
		});
	};
	const current = async () => {
		const response = await fetch(`${app.origin}/api/v1/organization/logo`, { headers: { cookie: admin.sessionCookie } });
		return {
			status: response.status,
			type: response.headers.get('content-type'),
			csp: response.headers.get('content-security-policy'),
			text: await response.text()
		};
	};

	it('takes an SVG with nothing active in it, sniffed from its content, and serves it sandboxed', async () => {
		expect((await current()).status).toBe(404);
		const response = await upload(admin, svg, 'image/png');
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ contentType: 'image/svg+xml', size: new TextEncoder().encode(svg).byteLength });
		const served = await current();
		expect(served).toMatchObject({ status: 200, type: 'image/svg+xml', text: svg });
		expect(served.csp).toContain('sandbox');
	});

	it('refuses scripts, other formats, oversized files and non-admins; the logo there was stays', async () => {
		const refusals: Array<[Uint8Array<ArrayBuffer> | string, number]> = [
			[svg.replace('<rect', '<script>alert(1)</script><rect'), 400],
			[svg.replace('<rect', '<rect onload="alert(1)"'), 400],
			[svg.replace('href="#a"', 'href="https://tracker.example/x"'), 400],
			[svg.replace('<rect', '<foreignObject><p>x</p></foreignObject><rect'), 400],
			['GIF89a' + 'x'.repeat(20), 400],
			['<html><svg></svg></html>', 400],
			[new Uint8Array([...png, ...new Uint8Array(4096)]), 413],
			// Only a PNG's first bytes, or a PNG with something after its end: it would not draw.
			[png.slice(0, 33), 400],
			[new Uint8Array([...png, 1, 2, 3]), 400]
		];
		for (const [bytes, status] of refusals) {
			const response = await upload(admin, bytes);
			expect(response.status, String(bytes).slice(0, 80)).toBe(status);
			expect((await response.json()).error.code).toBe(status === 413 ? 'payload_too_large' : 'validation_failed');
		}
		expect((await upload(member, png)).status).toBe(403);
		expect((await current()).text).toBe(svg);

		expect((await upload(admin, png, 'image/svg+xml')).status).toBe(200);
		expect((await current()).type).toBe('image/png');
	});

	const exportLetter = async (format: 'pdf' | 'docx') => {
		const response = await fetch(`${app.origin}/api/v1/meetings/${meetingId}/convocation/export?format=${format}`, {
			headers: { cookie: admin.sessionCookie }
		});
		expect(response.status).toBe(200);
		return new Uint8Array(await response.arrayBuffer());
	};

	it('heads the letter: the PNG in the PDF (with the name and place in its text) and in the DOCX', async () => {
		expect((await upload(admin, png)).status).toBe(200);
		const pdf = await readPdf(await exportLetter('pdf'));
		expect(pdf.images).toEqual([{ width: 40, height: 20 }]);
		expect(pdf.text).toContain('Società della Salute Pistoiese');
		expect(pdf.text).toMatch(/Pistoia, \d{1,2} \p{L}+ \d{4}/u);
		const docx = unzipSync(await exportLetter('docx'));
		const media = Object.keys(docx).filter((name) => name.startsWith('word/media/'));
		expect(media).toHaveLength(1);
		expect(docx[media[0]]).toEqual(png);
		const xml = strFromU8(docx['word/document.xml']);
		// Its alternative text names the organisation (the short name, as the page header has it).
		expect(xml).toMatch(/<wp:docPr [^>]*descr="SdS Pistoiese"/);
		expect(xml).toContain('r:embed=');
	});

	it('an SVG logo is drawn as vectors in the PDF and embedded in the DOCX', async () => {
		const drawn = svg.replace('<rect id="a"', '<rect id="a" fill="#0b5cad"');
		expect((await upload(admin, drawn, 'image/svg+xml')).status).toBe(200);
		const bytes = await exportLetter('pdf');
		const pdf = await readPdf(bytes);
		expect(pdf.images).toEqual([]);
		expect(pdf.text).toContain('Società della Salute Pistoiese');
		// The logo's fill colour (#0b5cad) is painted in the page: the SVG drawn as vectors.
		expect(await pdfContent(bytes)).toMatch(/0\.0431\d* 0\.3607\d* 0\.6784\d* (rg|scn)/);
		const docx = unzipSync(await exportLetter('docx'));
		const media = Object.keys(docx).filter((name) => name.startsWith('word/media/'));
		expect(media.some((name) => strFromU8(docx[name]).includes('<svg'))).toBe(true);
	});

	it('is removed by the admin only; letters then go out without it', async () => {
		const removed = (client: ApiClient) =>
			fetch(`${app.origin}/api/v1/organization/logo`, { method: 'DELETE', headers: { cookie: client.sessionCookie, origin: app.origin } });
		expect((await removed(member)).status).toBe(403);
		expect((await current()).status).toBe(200);
		expect((await removed(admin)).status).toBe(204);
		expect((await current()).status).toBe(404);
		const pdf = await readPdf(await exportLetter('pdf'));
		expect(pdf.images).toEqual([]);
		expect(pdf.text).toContain('Società della Salute Pistoiese');
		const docx = unzipSync(await exportLetter('docx'));
		expect(Object.keys(docx).filter((name) => name.startsWith('word/media/'))).toEqual([]);
	});
});
