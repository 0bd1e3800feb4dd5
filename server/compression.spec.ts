import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCompression } from './compression.ts';

/**
 * What createCompression encodes and what it leaves alone, through a real HTTP server whose
 * handler answers each path as the SvelteKit handler or the realtime transports would.
 */
const page = `<!doctype html><html lang="it"><body>${'<p class="mb-2">Ordine del giorno del tavolo</p>'.repeat(100)}</body></html>`;

function answer(req: http.IncomingMessage, res: http.ServerResponse): void {
	const path = req.url?.split('?')[0];
	const whole = (type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
		res.writeHead(200, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...headers });
		res.end(body);
	};
	if (path === '/page') return whole('text/html', page);
	if (path === '/small') return whole('text/html', '<p>Breve</p>');
	if (path === '/json')
		return whole('application/json', JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, title: 'Punto' })) }));
	if (path === '/image') return whole('image/png', Buffer.alloc(8000, 1));
	if (path === '/events') return whole('text/event-stream', `data: ${'x'.repeat(4000)}\n\n`);
	if (path === '/socket.io/' || path === '/yjs/doc') return whole('text/plain', page);
	if (path === '/encoded')
		return whole('text/html', Buffer.from('already encoded by someone else '.repeat(100)), { 'content-encoding': 'br' });
	if (path === '/stream') {
		res.writeHead(200, { 'content-type': 'text/html' });
		res.write(page.slice(0, 2000));
		setTimeout(() => res.end(page.slice(2000)), 10);
		return;
	}
	res.writeHead(404).end();
}

interface Answer {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: Buffer;
}

describe('compression of dynamic responses', () => {
	let server: http.Server;
	let base = '';

	beforeAll(async () => {
		const compress = createCompression(1024);
		server = http.createServer((req, res) => compress(req, res, () => answer(req, res)));
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});

	afterAll(async () => {
		await new Promise((resolve) => server.close(resolve));
	});

	/** The raw bytes on the wire (fetch would decode them). */
	function get(path: string, acceptEncoding?: string, method = 'GET'): Promise<Answer> {
		return new Promise((resolve, reject) => {
			const request = http.request(
				`${base}${path}`,
				{ method, headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} },
				(response) => {
					const chunks: Buffer[] = [];
					response.on('data', (chunk: Buffer) => chunks.push(chunk));
					response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
				}
			);
			request.on('error', reject);
			request.end();
		});
	}

	it('sends a page in brotli to a browser that accepts it, and in gzip to one that only accepts gzip', async () => {
		const br = await get('/page', 'gzip, deflate, br, zstd');
		expect(br.headers['content-encoding']).toBe('br');
		expect(br.headers.vary).toMatch(/accept-encoding/i);
		expect(br.headers['content-length']).toBeUndefined();
		expect(br.body.length).toBeLessThan(page.length / 10);
		expect(brotliDecompressSync(br.body).toString()).toBe(page);

		const gzip = await get('/page', 'gzip');
		expect(gzip.headers['content-encoding']).toBe('gzip');
		expect(gunzipSync(gzip.body).toString()).toBe(page);

		const json = await get('/json', 'br;q=0.5, gzip;q=1');
		expect(json.headers['content-encoding']).toBe('gzip');
		expect(JSON.parse(gunzipSync(json.body).toString()).items).toHaveLength(200);
	});

	it('sends the plain bytes to a client that accepts no encoding, or asks only for the headers', async () => {
		for (const accept of [undefined, 'identity', 'compress']) {
			const plain = await get('/page', accept);
			expect(plain.headers['content-encoding']).toBeUndefined();
			expect(plain.body.toString()).toBe(page);
		}
		const head = await get('/page', 'br', 'HEAD');
		expect(head.status).toBe(200);
		expect(head.headers['content-encoding']).toBeUndefined();
	});

	it('leaves alone what is under the threshold, not compressible, already encoded, streamed or an event stream', async () => {
		const small = await get('/small', 'br');
		expect(small.headers['content-encoding']).toBeUndefined();
		expect(small.body.toString()).toBe('<p>Breve</p>');

		const image = await get('/image', 'br, gzip');
		expect(image.headers['content-encoding']).toBeUndefined();
		expect(image.body.length).toBe(8000);

		const encoded = await get('/encoded', 'br, gzip');
		expect(encoded.headers['content-encoding']).toBe('br');
		expect(encoded.body.toString()).toBe('already encoded by someone else '.repeat(100));

		const stream = await get('/stream', 'br, gzip');
		expect(stream.headers['content-encoding']).toBeUndefined();
		expect(stream.headers['transfer-encoding']).toBe('chunked');
		expect(stream.body.toString()).toBe(page);

		const events = await get('/events', 'br, gzip');
		expect(events.headers['content-encoding']).toBeUndefined();
		expect(events.body.toString()).toMatch(/^data: x+\n\n$/);
	});

	it('never touches the HTTP requests of the realtime transports (socket.io polling, /yjs)', async () => {
		for (const path of ['/socket.io/?EIO=4&transport=polling', '/yjs/doc']) {
			const realtime = await get(path, 'br, gzip');
			expect(realtime.headers['content-encoding'], path).toBeUndefined();
			expect(realtime.body.toString(), path).toBe(page);
		}
	});
});
