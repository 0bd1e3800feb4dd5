import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { ApiClient } from '../support/app.ts';
import { connectSocket, send, type ClientSocket } from '../support/socket-test-client.ts';
import {
	connectClient,
	createFixture,
	saved,
	startYjsTestServer,
	synced,
	type Fixture,
	type YjsTestServer
} from '../support/yjs-harness.ts';
import { draftExtensions } from '../../src/lib/documents/extensions.ts';
import { controlCharacters } from '../../src/lib/domain/control-characters.ts';

/**
 * Issue 11, point 10: a NUL character in any stored text gave 500 (PostgreSQL refuses it in text),
 * and a chunked request body past the limit gave 500, not 413.
 */
let server: YjsTestServer;
let fixture: Fixture;
let admin: ApiClient;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
	server = await startYjsTestServer();
	fixture = await createFixture(server.app);
	admin = new ApiClient(server.app.url, { cookie: fixture.admin.cookie });
}, 60_000);

afterAll(async () => {
	for (const socket of sockets) socket.disconnect();
	await server?.dispose();
});

describe('control characters', () => {
	it('refuses NUL and other control characters in a JSON body with 400 validation_failed naming the field', async () => {
		const nul = await admin.post('/api/v1/tables', { name: 'Tavolo\u0000 Pianura', territory: 'Pianura' });
		expect(nul.status).toBe(400);
		expect(nul.body.error.code).toBe('validation_failed');
		expect(Object.keys(nul.body.error.fields)).toEqual(['name']);
		expect(nul.body.error.fields.name).toMatch(/caratteri di controllo/);

		const bell = await admin.post('/api/v1/tables', { name: 'Tavolo', territory: 'Pia\u0007nura' });
		expect(bell.status).toBe(400);
		expect(Object.keys(bell.body.error.fields)).toEqual(['territory']);

		// Nested too: the path names the field as the other refusals do.
		const meeting = await admin.post(`/api/v1/tables/${fixture.tableId}/meetings`, {
			title: 'Incontro',
			startsAt: '2027-01-10T15:00:00+01:00',
			endsAt: '2027-01-10T17:00:00+01:00'
		});
		const poll = await admin.post(`/api/v1/meetings/${meeting.body.id}/polls`, {
			question: 'Quale giorno?',
			kind: 'single',
			options: [{ label: 'Lunedì' }, { label: 'Martedì\u0000' }],
			anonymous: false,
			resultsVisible: 'live'
		});
		expect(poll.status).toBe(400);
		expect(poll.body.error.code).toBe('validation_failed');
		expect(Object.keys(poll.body.error.fields)).toEqual(['options.1.label']);

		// Prose keeps tabs and line breaks.
		const described = await admin.post('/api/v1/tables', {
			name: 'Tavolo\tMontagna',
			territory: 'Montagna',
			description: 'Riga uno\r\nRiga due'
		});
		expect(described.status).toBe(201);
	});

	it('refuses a control character in the path or the query with 400, never 500', async () => {
		const path = await admin.get('/api/v1/documents/%00');
		expect(path.status).toBe(400);
		expect(path.body.error).toMatchObject({ code: 'validation_failed', fields: { path: expect.any(String) } });

		const query = await admin.get(`/api/v1/documents/${fixture.documentId}/export?format=md%00`);
		expect(query.status).toBe(400);
		expect(Object.keys(query.body.error.fields)).toEqual(['format']);

		const page = await fetch(`${server.app.url}/tables/%00`, { headers: { cookie: fixture.admin.cookie } });
		expect(page.status).toBe(400);
	});

	it('refuses a control character in a form action with the form’s 400, naming the field', async () => {
		const response = await fetch(`${server.app.url}/tables/${fixture.tableId}?/createMeeting`, {
			method: 'POST',
			headers: {
				cookie: fixture.admin.cookie,
				origin: server.app.url,
				accept: 'application/json',
				'content-type': 'application/x-www-form-urlencoded',
				'x-sveltekit-action': 'true'
			},
			body: new URLSearchParams({ title: 'Incontro\u0000', date: '2027-01-10', startTime: '15:00', endTime: '17:00' })
		});
		const result = await response.json();
		expect(result.type).toBe('failure');
		expect(result.status).toBe(400);
		expect(JSON.stringify(result.data)).toContain('caratteri di controllo');
	});

	it('refuses a control character in a socket command', async () => {
		const socket = await connectSocket(server.app.url, fixture.alice.cookie);
		sockets.push(socket);
		const ack = await send(socket, 'meeting:join', { meetingId: 'riunione\u0000' });
		expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
	});

	it('drops control characters from a document’s text, so the draft can still be frozen and exported', async () => {
		const editor = connectClient(server, fixture.documentDoc, fixture.alice);
		try {
			await synced(editor);
			const schema = getSchema(draftExtensions());
			const draft = {
				type: 'doc',
				content: [
					{ type: 'paragraph', content: [{ type: 'text', text: 'Testo\u0000 incollato\u0001 da un vecchio file' }] },
					{ type: 'paragraph', content: [{ type: 'text', text: '\u0000' }] }
				]
			};
			prosemirrorJSONToYXmlFragment(schema, draft, editor.doc.getXmlFragment('default'));
			await saved(editor);
		} finally {
			editor.destroy();
		}
		const version = await admin.post(`/api/v1/documents/${fixture.documentId}/versions`, { note: 'Con caratteri strani' });
		expect(version.status).toBe(201);
		const stored = await admin.get(`/api/v1/documents/${fixture.documentId}/versions/${version.body.number}`);
		expect(stored.body.markdown).toContain('Testo incollato da un vecchio file');
		expect(stored.body.markdown).not.toMatch(controlCharacters);
		const docx = await fetch(`${server.app.url}/api/v1/documents/${fixture.documentId}/export?format=docx`, {
			headers: { cookie: fixture.alice.cookie }
		});
		expect(docx.status).toBe(200);
	});
});

describe('chunked request bodies', () => {
	/** A body sent in chunks, with no Content-Length, as a streaming client does. */
	function chunked(url: string, totalBytes: number, contentType: string, cookie: string) {
		const chunk = new TextEncoder().encode(`{"name":"${'x'.repeat(16 * 1024 - 10)}`);
		let sent = 0;
		const body = new ReadableStream<Uint8Array>({
			pull(controller) {
				if (sent >= totalBytes) return controller.close();
				sent += chunk.byteLength;
				controller.enqueue(chunk);
			}
		});
		return fetch(server.app.url + url, {
			method: 'POST',
			headers: { 'content-type': contentType, cookie, origin: server.app.url },
			body,
			duplex: 'half'
		} as RequestInit);
	}

	it('answers 413 payload_too_large to a chunked JSON body past the limit, beyond the adapter’s own limit too', async () => {
		for (const size of [128 * 1024, 2 * 1024 * 1024]) {
			const response = await chunked('/api/v1/tables', size, 'application/json', fixture.admin.cookie);
			expect(response.status).toBe(413);
			const body = await response.json();
			expect(body.error.code).toBe('payload_too_large');
			expect(body.error.message).toBe('La richiesta è troppo grande.');
		}
	});

	/**
	 * One keep-alive connection, by hand: a POST whose body is sent to its end (a client does not
	 * stop sending because an answer arrived), then a GET. Resolves with both answers' status lines
	 * and headers, or rejects if the server closed or reset the connection on the way.
	 */
	async function postThenGet(head: string, body: Uint8Array[]): Promise<string[]> {
		const { hostname, port } = new URL(server.app.url);
		const socket: Socket = connect(Number(port), hostname);
		await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
		let received = '';
		const answers: string[] = [];
		const closed = new Promise<never>((_, reject) => {
			socket.once('error', (error) => reject(new Error(`${error.message} after ${answers.length} answer(s): ${answers.join(' | ')}`)));
			socket.once('close', () => reject(new Error(`connection closed after ${answers.length} answer(s): ${answers.join(' | ')}`)));
		});
		// Each answer: its head, and a body of Content-Length bytes (the server sends no chunked answer here).
		const nextAnswer = () =>
			Promise.race([
				closed,
				new Promise<string>((resolve) => {
					const check = () => {
						const end = received.indexOf('\r\n\r\n');
						if (end < 0) return;
						const head = received.slice(0, end);
						const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
						if (Buffer.byteLength(received.slice(end + 4)) < length) return;
						received = received.slice(end + 4 + length);
						socket.off('data', onData);
						resolve(head);
					};
					const onData = (chunk: Buffer) => {
						received += chunk.toString('latin1');
						check();
					};
					socket.on('data', onData);
					check();
				})
			]);
		const write = (data: string | Uint8Array) =>
			Promise.race([closed, new Promise<void>((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())))]);
		try {
			const first = nextAnswer();
			await write(head);
			for (const part of body) await write(part);
			answers.push(await first);
			const second = nextAnswer();
			await write(`GET /healthz HTTP/1.1\r\nhost: ${hostname}:${port}\r\n\r\n`);
			answers.push(await second);
			return answers;
		} finally {
			socket.destroy();
		}
	}

	it('reads a refused body to its end, so the client gets its 413 and the connection stays open', async () => {
		const limit = 512 * 1024;
		const part = new TextEncoder().encode('x'.repeat(64 * 1024));
		const parts = Array.from({ length: (2 * limit) / part.byteLength }, () => part);
		const { host } = new URL(server.app.url);
		const common = `host: ${host}\r\ncontent-type: application/json\r\ncookie: ${fixture.admin.cookie}\r\norigin: ${server.app.url}\r\n`;

		// Its declared length is over the limit: refused before a byte is read.
		const declared = await postThenGet(`POST /api/v1/tables HTTP/1.1\r\n${common}content-length: ${2 * limit}\r\n\r\n`, parts);
		expect(declared[0]).toMatch(/^HTTP\/1\.1 413 /);
		expect(declared[1]).toMatch(/^HTTP\/1\.1 200 /);

		// Chunked: refused once the count passes the limit, while the rest is still coming.
		const chunks = parts.map((p) => Buffer.concat([Buffer.from(`${p.byteLength.toString(16)}\r\n`), p, Buffer.from('\r\n')]));
		chunks.push(Buffer.from('0\r\n\r\n'));
		const streamed = await postThenGet(`POST /api/v1/tables HTTP/1.1\r\n${common}transfer-encoding: chunked\r\n\r\n`, chunks);
		expect(streamed[0]).toMatch(/^HTTP\/1\.1 413 /);
		expect(streamed[1]).toMatch(/^HTTP\/1\.1 200 /);
	});

	it('answers 413 to a chunked form body past the limit', async () => {
		const response = await chunked(
			`/tables/${fixture.tableId}?/createMeeting`,
			2 * 1024 * 1024,
			'application/x-www-form-urlencoded',
			fixture.admin.cookie
		);
		expect(response.status).toBe(413);
	});
});
