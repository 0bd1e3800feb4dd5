import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { connectSocket, record, send, ackRoundTrip, type ClientSocket } from '../support/socket-test-client.ts';
import { makePdf } from '../support/pdf-fixture.ts';
import { waitUntil } from '../support/wait-until.ts';
import type { LiveState } from '../../src/lib/realtime/protocol.ts';

/**
 * Issue 15, items 1 and 2, over real HTTP and sockets (PGlite, or PostgreSQL with DATABASE_URL):
 * the table's library keeps each file byte for byte with its SHA-256, sniffs the type from the
 * content, lets 25 MB through on its own route only, answers members only, lets observers read
 * and not write, and deletes by the uploader or a coordinator; a PDF in focus in the live room is
 * turned page by page by the moderator alone, and the page is the server's.
 */
let app: TestApp;
let coordinator: ApiClient;
let moderator: ApiClient;
let participant: ApiClient;
let otherParticipant: ApiClient;
let observer: ApiClient;
let outsider: ApiClient;
let tableId: string;
let otherTableId: string;
let meetingId: string;
let documentId: string;
const sockets: ClientSocket[] = [];
const maxBytes = 25 * 1024 * 1024;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A real DOCX's skeleton: the OOXML content types and the main part, zipped. */
function makeDocx(): Uint8Array<ArrayBuffer> {
	return zipSync({
		'[Content_Types].xml': strToU8(
			'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
		),
		'_rels/.rels': strToU8(
			'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
		),
		'word/document.xml': strToU8(
			'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Delibera</w:t></w:r></w:p></w:body></w:document>'
		)
	}) as Uint8Array<ArrayBuffer>;
}

/** An ODF spreadsheet's skeleton: its `mimetype` entry first, stored. */
function makeOds(): Uint8Array<ArrayBuffer> {
	return zipSync(
		{
			mimetype: [strToU8('application/vnd.oasis.opendocument.spreadsheet'), { level: 0 }],
			'content.xml': strToU8('<?xml version="1.0" encoding="UTF-8"?><office:document-content/>'),
			'META-INF/manifest.xml': strToU8('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest/>')
		},
		{}
	) as Uint8Array<ArrayBuffer>;
}

/** A Windows program: what a renamed executable starts with. */
const executable = new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0, 0, ...new Uint8Array(200)]);

function upload(
	client: ApiClient,
	bytes: Uint8Array<ArrayBuffer> | string,
	filename: string,
	fields: Record<string, string> = {},
	claimedType = 'application/pdf',
	table = tableId
) {
	const form = new FormData();
	form.set('file', new Blob([bytes], { type: claimedType }), filename);
	for (const [key, value] of Object.entries(fields)) form.set(key, value);
	return fetch(`${app.origin}/api/v1/tables/${table}/attachments`, {
		method: 'POST',
		headers: { cookie: client.sessionCookie, origin: app.origin },
		body: form
	});
}

async function download(client: ApiClient, id: string) {
	const response = await fetch(`${app.origin}/api/v1/attachments/${id}`, { headers: { cookie: client.sessionCookie } });
	return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function listed(client: ApiClient = coordinator, query = ''): Promise<Array<Record<string, any>>> {
	const response = await client.get(`/api/v1/tables/${tableId}/attachments${query}`);
	expect(response.status).toBe(200);
	return response.body.attachments;
}

beforeAll(async () => {
	app = await startTestApp();
	coordinator = new ApiClient(app.origin);
	await coordinator.signUp('coord@biblioteca.example', 'Giulia Coordinatrice');
	tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Montagna', territory: 'Montagna' })).body.id;
	otherTableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Pianura', territory: 'Pianura' })).body.id;
	const people: Array<[string, string, string]> = [
		['moderator', 'mod@biblioteca.example', 'Marco Moderatore'],
		['participant', 'sindaca@biblioteca.example', 'Sara Sindaca'],
		['participant', 'preside@biblioteca.example', 'Paolo Preside'],
		['observer', 'oss@biblioteca.example', 'Olga Osservatrice']
	];
	const clients: ApiClient[] = [];
	for (const [role, email, name] of people) {
		const client = new ApiClient(app.origin);
		await client.signUp(email, name);
		await client.joinTable(coordinator, tableId, { role });
		clients.push(client);
	}
	[moderator, participant, otherParticipant, observer] = clients;
	outsider = new ApiClient(app.origin);
	await outsider.signUp('estraneo@altrove.example', 'Ettore Estraneo');
	meetingId = (
		await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Incontro sui trasporti',
			startsAt: '2027-02-10T15:00:00+01:00',
			endsAt: '2027-02-10T17:00:00+01:00'
		})
	).body.id;
	documentId = (await coordinator.post(`/api/v1/tables/${tableId}/documents`, { kind: 'protocol', title: 'Protocollo trasporti' })).body.id;
}, 60_000);

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await app?.stop();
});

describe('the table library', () => {
	it('keeps a file byte for byte with its SHA-256 and serves it as a download, to members', async () => {
		const pdf = makePdf(['Relazione sui bisogni', 'Seconda pagina']);
		const response = await upload(participant, pdf, 'Relazione "bisogni" 2027.pdf', { title: 'Relazione sui bisogni' });
		expect(response.status).toBe(201);
		const created = await response.json();
		expect(created).toMatchObject({
			title: 'Relazione sui bisogni',
			filename: 'Relazione _bisogni_ 2027.pdf',
			size: pdf.byteLength,
			contentType: 'application/pdf',
			sha256: sha256(pdf)
		});
		expect(typeof created.id).toBe('string');

		for (const reader of [observer, moderator, coordinator]) {
			const { response: served, bytes } = await download(reader, created.id);
			expect(served.status).toBe(200);
			expect(bytes).toEqual(pdf);
			expect(served.headers.get('content-type')).toBe('application/pdf');
			expect(served.headers.get('x-content-type-options')).toBe('nosniff');
			expect(served.headers.get('content-disposition')).toBe(
				`attachment; filename="Relazione _bisogni_ 2027.pdf"; filename*=UTF-8''Relazione%20_bisogni_%202027.pdf`
			);
		}
		const [first] = await listed(observer);
		expect(first).toMatchObject({ id: created.id, sha256: sha256(pdf), uploadedBy: { name: 'Sara Sindaca' }, mayDelete: false });
		expect((await listed(participant)).find((a) => a.id === created.id)?.mayDelete).toBe(true);
	});

	it('decides the type from the content: office files by their ZIP parts, whatever their name', async () => {
		const docx = makeDocx();
		const asDocx = await upload(participant, docx, 'delibera.bin', {}, 'application/octet-stream');
		expect(asDocx.status).toBe(201);
		expect(await asDocx.json()).toMatchObject({
			contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
			filename: 'delibera.bin.docx',
			sha256: sha256(docx)
		});
		const ods = makeOds();
		const asOds = await upload(participant, ods, '../../bilancio.ods', {}, 'text/plain');
		expect(asOds.status).toBe(201);
		const stored = await asOds.json();
		expect(stored).toMatchObject({ contentType: 'application/vnd.oasis.opendocument.spreadsheet', filename: 'bilancio.ods' });
		expect((await download(participant, stored.id)).bytes).toEqual(ods);
	});

	it('refuses a renamed executable and anything else it does not take, with a code, storing nothing', async () => {
		const before = (await listed()).length;
		for (const [bytes, name] of [
			[executable, 'verbale.pdf'],
			['Solo testo, non un PDF.', 'appunti.pdf'],
			[new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, ...new Uint8Array(40)]), 'foto.png']
		] as const) {
			const response = await upload(participant, bytes as Uint8Array<ArrayBuffer> | string, name);
			expect(response.status, name).toBe(415);
			const body = await response.json();
			expect(body.error.code).toBe('unsupported_file_type');
			expect(body.error.message).toMatch(/Tipo di file non ammesso/);
		}
		const noFile = await fetch(`${app.origin}/api/v1/tables/${tableId}/attachments`, {
			method: 'POST',
			headers: { cookie: participant.sessionCookie, origin: app.origin },
			body: (() => {
				const form = new FormData();
				form.set('title', 'Senza file');
				return form;
			})()
		});
		expect(noFile.status).toBe(400);
		expect((await noFile.json()).error.fields.file).toBeTruthy();
		expect((await listed()).length).toBe(before);
	});

	it('takes two uploads at once, each stored whole and apart', async () => {
		const a = makePdf(['Verbale della Montagna'], 3 * 1024 * 1024);
		const b = makeDocx();
		const [first, second] = await Promise.all([upload(participant, a, 'verbale.pdf'), upload(otherParticipant, b, 'delibera.docx')]);
		expect([first.status, second.status]).toEqual([201, 201]);
		const [one, two] = [await first.json(), await second.json()];
		expect(one.id).not.toBe(two.id);
		// Each stored whole, read back from the database (the HTTP round trip is the first tests').
		const stored = await app.context.db
			.selectFrom('attachment_contents')
			.select(['attachment_id', sql<string>`encode(content, 'base64')`.as('base64')])
			.where('attachment_id', 'in', [one.id, two.id])
			.execute();
		const bytesOf = (id: string) => new Uint8Array(Buffer.from(stored.find((row) => row.attachment_id === id)!.base64, 'base64'));
		expect(sha256(bytesOf(one.id))).toBe(sha256(a));
		expect(bytesOf(two.id)).toEqual(b);
		expect([one.sha256, two.sha256]).toEqual([sha256(a), sha256(b)]);
		const ids = (await listed()).map((x) => x.id);
		expect(ids).toEqual(expect.arrayContaining([one.id, two.id]));
	}, 60_000);

	it('lets a 25 MB file through on its own route and refuses one byte more with 413', async () => {
		const largest = makePdf(['Allegato tecnico'], maxBytes);
		const accepted = await upload(moderator, largest, 'allegato-tecnico.pdf');
		expect(accepted.status).toBe(201);
		const { id, sha256: digest } = await accepted.json();
		expect(digest).toBe(sha256(largest));
		const back = await download(participant, id);
		expect(back.bytes.byteLength).toBe(maxBytes);
		expect(sha256(back.bytes)).toBe(digest);

		const before = (await listed()).length;
		const over = await upload(moderator, makePdf(['Troppo grande'], maxBytes + 1), 'troppo.pdf');
		expect(over.status).toBe(413);
		expect((await over.json()).error.code).toBe('payload_too_large');

		expect((await listed()).length).toBe(before);

		// Every other route keeps the general limit (TAVOLO_MAX_BODY_BYTES, 512 KB): a form action too.
		const bigForm = await fetch(`${app.origin}/login`, {
			method: 'POST',
			headers: { origin: app.origin, 'content-type': 'application/x-www-form-urlencoded', 'x-sveltekit-action': 'true' },
			body: `email=a%40b.example&password=${'x'.repeat(600 * 1024)}`
		});
		expect(bigForm.status).toBe(413);
		const bigJson = await coordinator.post(`/api/v1/tables/${tableId}/documents`, { kind: 'other', title: 'x'.repeat(600 * 1024) });
		expect(bigJson.status).toBe(413);
	}, 300_000);

	it('answers members only: a non-member gets 403 everywhere, an observer reads but does not upload', async () => {
		const { id } = await (await upload(participant, makePdf(['Solo per i membri']), 'membri.pdf')).json();
		expect((await outsider.get(`/api/v1/tables/${tableId}/attachments`)).status).toBe(403);
		expect((await download(outsider, id)).response.status).toBe(403);
		const outsiderUpload = await upload(outsider, makePdf(['Intruso']), 'intruso.pdf');
		expect(outsiderUpload.status).toBe(403);
		expect((await outsider.delete(`/api/v1/attachments/${id}`)).status).toBe(403);
		expect((await fetch(`${app.origin}/api/v1/attachments/${id}`)).status).toBe(401);

		const observerUpload = await upload(observer, makePdf(['Osservazione']), 'osservazione.pdf');
		expect(observerUpload.status).toBe(403);
		expect((await observerUpload.json()).error.code).toBe('forbidden');
		expect((await observer.delete(`/api/v1/attachments/${id}`)).status).toBe(403);
		expect((await download(observer, id)).response.status).toBe(200);
		expect((await download(participant, 'inesistente')).response.status).toBe(404);
		// A file of this table is not uploaded to another through its id, nor bound to its meeting.
		const crossed = await upload(participant, makePdf(['Altro tavolo']), 'altro.pdf', { meetingId }, 'application/pdf', otherTableId);
		expect(crossed.status).toBe(403);
	});

	it('deletes by the uploader or a coordinator only, with every version of the file', async () => {
		const mine = await (await upload(participant, makePdf(['Bozza di Sara']), 'bozza.pdf')).json();
		const other = await (await upload(otherParticipant, makePdf(['Nota di Paolo']), 'nota.pdf')).json();
		expect((await otherParticipant.delete(`/api/v1/attachments/${mine.id}`)).status).toBe(403);
		expect((await moderator.delete(`/api/v1/attachments/${mine.id}`)).status).toBe(403);
		expect((await download(participant, mine.id)).response.status).toBe(200);

		// A new version keeps the one before, listed under it and still downloadable.
		const secondPdf = makePdf(['Bozza di Sara, seconda versione']);
		const replaced = await upload(participant, secondPdf, 'bozza-v2.pdf', { replaces: mine.id });
		expect(replaced.status).toBe(201);
		const second = await replaced.json();
		const entry = (await listed()).find((a) => a.id === second.id);
		expect(entry).toMatchObject({ title: mine.title, replacesId: mine.id, sha256: sha256(secondPdf) });
		expect(entry!.previousVersions.map((v: { id: string }) => v.id)).toEqual([mine.id]);
		expect((await listed()).some((a) => a.id === mine.id)).toBe(false);
		expect((await download(observer, mine.id)).response.status).toBe(200);
		// Only its uploader or a coordinator replaces it, and only its latest version.
		expect((await upload(otherParticipant, makePdf(['Non mia']), 'x.pdf', { replaces: second.id })).status).toBe(403);
		expect((await upload(participant, makePdf(['Vecchia']), 'x.pdf', { replaces: mine.id })).status).toBe(400);

		expect((await participant.delete(`/api/v1/attachments/${second.id}`)).status).toBe(200);
		expect((await download(participant, second.id)).response.status).toBe(404);
		expect((await download(participant, mine.id)).response.status).toBe(404);

		expect((await coordinator.delete(`/api/v1/attachments/${other.id}`)).status).toBe(200);
		expect((await listed()).some((a) => a.id === other.id)).toBe(false);
		const audit = await app.context.db
			.selectFrom('audit_events')
			.select(['action', 'actor_name'])
			.where('subject_id', '=', other.id)
			.orderBy('id')
			.execute();
		expect(audit).toEqual([
			{ action: 'attachment.upload', actor_name: 'Paolo Preside' },
			{ action: 'attachment.delete', actor_name: 'Giulia Coordinatrice' }
		]);
	});

	it("binds files to a meeting's agenda item or to a document of the same table; minutes and exports list them", async () => {
		const forItem = await upload(participant, makePdf(['Orari delle corriere']), 'orari.pdf', {
			title: 'Orari delle corriere',
			meetingId,
			agendaItemId: 'punto-trasporti'
		});
		expect(forItem.status).toBe(201);
		const item = await forItem.json();
		expect(item).toMatchObject({ meetingId, agendaItemId: 'punto-trasporti', documentId: null });
		const forDocument = await upload(participant, makeDocx(), 'mappa.docx', { title: 'Mappa delle fermate', documentId });
		expect(forDocument.status).toBe(201);

		expect((await listed(observer, `?meetingId=${meetingId}&agendaItemId=punto-trasporti`)).map((a) => a.id)).toEqual([item.id]);
		expect((await listed(observer, `?documentId=${documentId}`)).map((a) => a.title)).toEqual(['Mappa delle fermate']);
		const otherMeeting = (
			await coordinator.post(`/api/v1/tables/${otherTableId}/meetings`, {
				title: 'Altrove',
				startsAt: '2027-02-11T15:00:00+01:00',
				endsAt: '2027-02-11T16:00:00+01:00'
			})
		).body.id;
		const wrongMeeting = await upload(participant, makePdf(['x']), 'x.pdf', { meetingId: otherMeeting });
		expect(wrongMeeting.status).toBe(400);
		expect((await wrongMeeting.json()).error.fields.meetingId).toBeTruthy();
		expect((await upload(participant, makePdf(['x']), 'x.pdf', { agendaItemId: 'punto-1' })).status).toBe(400);

		const exported = await participant.get(`/api/v1/documents/${documentId}/export?format=md`);
		expect(exported.status).toBe(200);
		expect(exported.text).toContain('Allegati');
		expect(exported.text).toContain('Mappa delle fermate (mappa.docx');

		expect((await moderator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'live' })).status).toBe(200);
		expect((await moderator.post(`/api/v1/meetings/${meetingId}/status`, { status: 'closed' })).status).toBe(200);
		const minutes = await waitUntil(
			async () => {
				const found = await coordinator.get(`/api/v1/meetings/${meetingId}/minutes`);
				return found.status === 200 ? found.body : null;
			},
			10_000,
			'the minutes drafted'
		);
		const markdown = (await coordinator.get(`/api/v1/documents/${minutes.documentId}/export?format=md`)).text;
		expect(markdown).toContain('Allegati');
		expect(markdown).toContain('Orari delle corriere (orari.pdf');
	});
});

describe('a PDF presented in the live room', () => {
	let liveMeetingId: string;
	let pdfId: string;
	let docxId: string;

	async function join(client: ApiClient): Promise<{ socket: ClientSocket; state: LiveState }> {
		const socket = await connectSocket(app.origin, client.sessionCookie);
		sockets.push(socket);
		const ack = await send(socket, 'meeting:join', { meetingId: liveMeetingId });
		if (!ack.ok) throw new Error(ack.error.code);
		return { socket, state: ack.state as LiveState };
	}

	beforeAll(async () => {
		liveMeetingId = (
			await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Incontro con la relazione',
				startsAt: '2027-03-10T15:00:00+01:00',
				endsAt: '2027-03-10T17:00:00+01:00'
			})
		).body.id;
		pdfId = (await (await upload(participant, makePdf(['Uno', 'Due', 'Tre', 'Quattro']), 'relazione.pdf', { title: 'Relazione' })).json())
			.id;
		docxId = (await (await upload(participant, makeDocx(), 'tabella.docx')).json()).id;
		expect((await moderator.post(`/api/v1/meetings/${liveMeetingId}/status`, { status: 'live' })).status).toBe(200);
	});

	it('is turned by the moderator alone: a participant turning the page over the socket is refused', async () => {
		const mod = await join(moderator);
		const guest = await join(participant);
		expect(guest.state.focusAttachment).toBeNull();
		const states = record(guest.socket, 'meeting:state');

		expect(await send(mod.socket, 'attachment:focus', { meetingId: liveMeetingId, attachmentId: pdfId })).toEqual({ ok: true });
		const shown = await waitUntil(() => states.find((s) => s.focusAttachment), 5000, 'the PDF in focus');
		expect(shown.focusAttachment).toEqual({ id: pdfId, title: 'Relazione', filename: 'relazione.pdf', page: 1 });

		expect(await send(mod.socket, 'attachment:page', { meetingId: liveMeetingId, page: 3 })).toEqual({ ok: true });
		await waitUntil(() => states.some((s) => s.focusAttachment?.page === 3), 5000, 'page 3 for everyone');

		// What the UI never sends: a participant (and an observer) turning the room's page.
		const refused = await send(guest.socket, 'attachment:page', { meetingId: liveMeetingId, page: 1 });
		expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		const watcher = await join(observer);
		expect(await send(watcher.socket, 'attachment:page', { meetingId: liveMeetingId, page: 2 })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
		expect(await send(guest.socket, 'attachment:focus', { meetingId: liveMeetingId, attachmentId: null })).toMatchObject({
			ok: false,
			error: { code: 'forbidden' }
		});
		for (const page of [0, -1, 1.5, 'due', 10_001]) {
			expect(await send(mod.socket, 'attachment:page', { meetingId: liveMeetingId, page } as never)).toMatchObject({
				ok: false,
				error: { code: 'validation_failed' }
			});
		}
		await ackRoundTrip(guest.socket);
		expect(states.at(-1)?.focusAttachment?.page).toBe(3);

		// A late joiner, and the HTTP reading of the room, land on the moderator's page.
		const late = await join(otherParticipant);
		expect(late.state.focusAttachment).toMatchObject({ id: pdfId, page: 3 });
		expect((await participant.get(`/api/v1/meetings/${liveMeetingId}/live`)).body.focusAttachment.page).toBe(3);
	});

	it("takes only a PDF of the meeting's own table, and shares the centre with a document in turn", async () => {
		const mod = await join(moderator);
		expect(await send(mod.socket, 'attachment:focus', { meetingId: liveMeetingId, attachmentId: docxId })).toMatchObject({
			ok: false,
			error: { code: 'unsupported_file_type' }
		});
		const elsewhere = await (await upload(coordinator, makePdf(['Pianura']), 'pianura.pdf', {}, 'application/pdf', otherTableId)).json();
		expect(await send(mod.socket, 'attachment:focus', { meetingId: liveMeetingId, attachmentId: elsewhere.id })).toMatchObject({
			ok: false,
			error: { code: 'not_found' }
		});

		expect(await send(mod.socket, 'document:focus', { meetingId: liveMeetingId, documentId })).toEqual({ ok: true });
		let state = (await participant.get(`/api/v1/meetings/${liveMeetingId}/live`)).body as LiveState;
		expect(state.focusDocument?.id).toBe(documentId);
		expect(state.focusAttachment).toBeNull();

		expect(await send(mod.socket, 'attachment:focus', { meetingId: liveMeetingId, attachmentId: pdfId })).toEqual({ ok: true });
		state = (await participant.get(`/api/v1/meetings/${liveMeetingId}/live`)).body as LiveState;
		expect(state.focusDocument).toBeNull();
		expect(state.focusAttachment).toMatchObject({ id: pdfId, page: 1 });

		// Deleting the file takes it off the centre.
		expect((await participant.delete(`/api/v1/attachments/${pdfId}`)).status).toBe(200);
		state = (await participant.get(`/api/v1/meetings/${liveMeetingId}/live`)).body as LiveState;
		expect(state.focusAttachment).toBeNull();
		expect(await send(mod.socket, 'attachment:page', { meetingId: liveMeetingId, page: 2 })).toMatchObject({
			ok: false,
			error: { code: 'not_found' }
		});
	});
});
