import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';

/**
 * Issue 16, item 3: smaller, compressed pages, as the built app serves them. Pages in brotli or
 * gzip as the browser asks, the build's assets precompressed, bootstrap-italia's stylesheet cut to
 * the rules Tavolo uses (its focus and button styles kept), icons inline instead of the sprite.
 */
interface Answer {
	status: number;
	headers: http.IncomingHttpHeaders;
	body: Buffer;
}

/** The raw bytes on the wire (fetch would decode them). */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const request = http.get(url, { headers }, (response) => {
			const chunks: Buffer[] = [];
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
		});
		request.on('error', reject);
	});
}

function decoded(answer: Answer): string {
	const encoding = answer.headers['content-encoding'];
	if (encoding === 'br') return brotliDecompressSync(answer.body).toString();
	if (encoding === 'gzip') return gunzipSync(answer.body).toString();
	return answer.body.toString();
}

describe('page weight', () => {
	let app: TestApp;
	let member: ApiClient;

	beforeAll(async () => {
		app = await startTestApp();
		member = new ApiClient(app.origin);
		await member.signUp('sindaca@comune.example', 'Sindaca del Comune');
	});
	afterAll(() => app?.stop());

	it('sends pages in brotli or gzip as the browser accepts, and plain to a client that accepts neither', async () => {
		const br = await get(`${app.origin}/login`, { 'accept-encoding': 'gzip, deflate, br' });
		expect(br.status).toBe(200);
		expect(br.headers['content-encoding']).toBe('br');
		expect(br.headers.vary).toMatch(/accept-encoding/i);
		const html = decoded(br);
		expect(html).toMatch(/^<!doctype html>/i);
		expect(br.body.length).toBeLessThan(html.length / 2);

		const gzip = await get(`${app.origin}/login`, { 'accept-encoding': 'gzip' });
		expect(gzip.headers['content-encoding']).toBe('gzip');
		expect(decoded(gzip)).toMatch(/^<!doctype html>/i);

		const plain = await get(`${app.origin}/login`);
		expect(plain.headers['content-encoding']).toBeUndefined();
		expect(plain.body.toString()).toMatch(/^<!doctype html>/i);
	});

	it('serves the built scripts and styles precompressed, the same bytes once decoded', async () => {
		const html = decoded(await get(`${app.origin}/login`, { 'accept-encoding': 'br' }));
		const assets = [...html.matchAll(/"\.?(\/_app\/immutable\/[^"]+\.(?:js|css))"/g)].map((match) => match[1]);
		expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
		expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
		for (const asset of new Set(assets)) {
			const plain = await get(app.origin + asset);
			const br = await get(app.origin + asset, { 'accept-encoding': 'br, gzip' });
			const gzip = await get(app.origin + asset, { 'accept-encoding': 'gzip' });
			expect(br.headers['content-encoding'], asset).toBe('br');
			expect(gzip.headers['content-encoding'], asset).toBe('gzip');
			expect(decoded(br), asset).toBe(plain.body.toString());
			expect(decoded(gzip), asset).toBe(plain.body.toString());
		}
	});

	it("keeps of bootstrap-italia's stylesheet what the pages use, focus styles included, and drops the rest", async () => {
		const html = decoded(await get(`${app.origin}/login`, { 'accept-encoding': 'br' }));
		const sheets = [...html.matchAll(/href="\.?(\/_app\/immutable\/[^"]+\.css)"/g)].map((match) => match[1]);
		let css = '';
		for (const sheet of new Set(sheets)) css += (await get(app.origin + sheet)).body.toString();
		// The whole sheet is 556 KiB; what the login page loads is a fraction of it.
		expect(css.length).toBeLessThan(200 * 1024);
		for (const kept of [
			'.btn-primary',
			'.form-control',
			'.it-header-wrapper',
			'.visually-hidden-focusable',
			'.card',
			'.icon-white',
			':focus'
		]) {
			expect(css, kept).toContain(kept);
		}
		// A focused control keeps bootstrap-italia's orange ring (2.4.7), whichever selector draws it.
		expect(css).toMatch(/:focus[^{]*\{[^}]*(box-shadow|outline)[^}]*\}/);
		// Components Tavolo never shows are gone: their own rules (a selector naming one of them
		// beside an aria-/data- attribute stays whole, by the safelist's greedy patterns).
		for (const dropped of ['.it-timeline-wrapper', '.chip-label', '.callout', '.dropdown-menu'])
			expect(css, dropped).not.toMatch(new RegExp(`\\${dropped}[{,]`));
	});

	it('draws its icons inline: no request for the 92 KiB sprite', async () => {
		const page = await get(`${app.origin}/`, { cookie: member.sessionCookie });
		const html = page.body.toString();
		expect(html).toMatch(/<svg class="icon[^"]*"[^>]*viewBox="0 0 24 24"[^>]*>\s*(<!--[^>]*-->)?<path d="M/);
		expect(html).not.toContain('sprites');
	});
});

describe('page weight: the compression threshold', () => {
	let app: TestApp;

	beforeAll(async () => {
		app = await startTestApp({ TAVOLO_COMPRESSION_MIN_BYTES: String(10 * 1024 * 1024) });
	});
	afterAll(() => app?.stop());

	it('leaves responses under TAVOLO_COMPRESSION_MIN_BYTES plain, while the precompressed assets still go compressed', async () => {
		const page = await get(`${app.origin}/login`, { 'accept-encoding': 'br, gzip' });
		expect(page.status).toBe(200);
		expect(page.headers['content-encoding']).toBeUndefined();
		const html = page.body.toString();
		expect(html).toMatch(/^<!doctype html>/i);
		const script = /"\.?(\/_app\/immutable\/[^"]+\.js)"/.exec(html);
		expect(script).not.toBeNull();
		const asset = await get(app.origin + script![1], { 'accept-encoding': 'br' });
		expect(asset.headers['content-encoding']).toBe('br');
	});
});
