/**
 * `npm run bench:pages`: what a first visit costs. Starts a built Tavolo (build/server.js, as
 * production runs it, on a fresh PostgreSQL database or PGlite), then opens the live meeting room
 * (as a participant) and the document editor in Chromium with the cache disabled, and sums the
 * bytes transferred (headers and encoded bodies: Network.loadingFinished's encodedDataLength) by
 * resource type from the CDP Network events, and times collaborative content on screen: the room's
 * agenda (a Yjs document) listed, the editor writable with the draft's text, measured in the page
 * from navigation start. The WebSocket frames that follow are not counted (they are the
 * conversation, not the page).
 *
 * Not a test: it asserts nothing and is never run by CI. PAGE_WEIGHT_BUILDS=label:dir,… compares
 * builds (default `now:build`; a build dir is run from its parent, whose node_modules it uses):
 * e.g. `before:/tmp/main/build,after:build`. PAGE_WEIGHT_RUNS=5 visits per page (after one visit
 * that warms the server), medians reported. PAGE_WEIGHT_JSON=file also writes the figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.ts';
import { freePort } from '../support/server-process.ts';

const root = path.resolve(import.meta.dirname, '../..');
const builds = (process.env.PAGE_WEIGHT_BUILDS ?? 'now:build').split(',').map((entry) => {
	const [label, dir] = entry.includes(':') ? entry.split(':') : [entry, entry];
	return { label, dir: path.resolve(root, dir) };
});
const runs = Number(process.env.PAGE_WEIGHT_RUNS ?? 5);
const draftText = 'Art. 1 — Finalità. Il tavolo territoriale condivide obiettivi, regole e calendario degli incontri.';

/** Resource types as the CDP names them, grouped as the report shows them. */
const typeGroups: Record<string, string> = {
	Document: 'HTML',
	Script: 'JS',
	Stylesheet: 'CSS',
	Font: 'fonts',
	Image: 'images',
	Fetch: 'data',
	XHR: 'data'
};
const columns = ['HTML', 'JS', 'CSS', 'fonts', 'images', 'data', 'other'] as const;

interface Visit {
	/** Bytes transferred per group, and `total`. */
	bytes: Record<string, number>;
	requests: number;
	/** Milliseconds from navigation start to the collaborative content on screen. */
	contentMs: number;
	/** Milliseconds to the first contentful paint. */
	fcpMs: number;
}

interface PageFigures {
	bytes: Record<string, number>;
	requests: number;
	contentMs: number;
	fcpMs: number;
	contentMsAll: number[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> } | null> {
	const base = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
	const name = `tavolo_pages_${Date.now()}`;
	const admin = new pg.Client({ connectionString: base });
	try {
		await admin.connect();
		await admin.query(`create database ${name}`);
	} catch {
		return null;
	} finally {
		await admin.end().catch(() => {});
	}
	const url = new URL(base);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		async drop() {
			const client = new pg.Client({ connectionString: base });
			await client.connect();
			await client.query(`drop database if exists ${name} with (force)`);
			await client.end();
		}
	};
}

/** `<dir>/server.js` run from the folder above it; resolves once it says it is ready. */
async function startServer(buildDir: string): Promise<{ origin: string; stop(): Promise<void> }> {
	const postgres = await freshPostgres();
	const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tavolo-pages-'));
	const port = await freePort();
	const origin = `http://127.0.0.1:${port}`;
	const child: ChildProcess = spawn(process.execPath, [path.join(buildDir, 'server.js')], {
		cwd: path.dirname(buildDir),
		env: {
			PATH: process.env.PATH ?? '',
			HOME: process.env.HOME ?? '/tmp',
			NODE_ENV: 'production',
			PORT: String(port),
			HOST: '127.0.0.1',
			ORIGIN: origin,
			LOG_LEVEL: 'warn',
			TAVOLO_DATA_DIR: dataDir,
			TAVOLO_SIGNUP_MAX_PER_ADDRESS: '1000',
			...(postgres ? { DATABASE_URL: postgres.url } : {})
		},
		stdio: ['ignore', 'pipe', 'inherit']
	});
	await new Promise<void>((resolve, reject) => {
		let output = '';
		child.stdout!.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			if (/Tavolo is ready/.test(output)) resolve();
		});
		child.once('exit', (code) => reject(new Error(`${buildDir}/server.js exited early (${code}): ${output}`)));
	});
	return {
		origin,
		async stop() {
			child.kill('SIGTERM');
			await new Promise((resolve) => child.once('exit', resolve));
			await postgres?.drop();
			await rm(dataDir, { recursive: true, force: true });
		}
	};
}

/** POSTs JSON as a browser on `origin` would; answers the body and the session cookie. */
async function post(origin: string, url: string, body: unknown, cookie = '') {
	const response = await fetch(origin + url, {
		method: 'POST',
		headers: { origin, 'content-type': 'application/json', cookie },
		body: JSON.stringify(body)
	});
	if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
	const session = response.headers
		.getSetCookie()
		.find((c) => c.startsWith('tavolo_session='))
		?.split(';')[0];
	return { body: (await response.json()) as Record<string, any>, cookie: session ?? cookie };
}

/** A coordinator's table with a meeting (its agenda from the first-meeting template) and a draft with text; a participant to visit them. */
async function seed(origin: string): Promise<{ roomPath: string; editorPath: string; visitorCookie: string }> {
	const anna = await post(origin, '/api/v1/auth/signup', {
		email: 'anna@consorzio.example',
		password: 'page-weight-password',
		name: 'Anna'
	});
	const table = await post(origin, '/api/v1/tables', { name: 'Tavolo Pianura', territory: 'Pianura' }, anna.cookie);
	const invitation = await post(origin, `/api/v1/tables/${table.body.id}/invitations`, { role: 'participant' }, anna.cookie);
	const bruno = await post(origin, '/api/v1/auth/signup', {
		email: 'bruno@comune.example',
		password: 'page-weight-password',
		name: 'Bruno'
	});
	await post(origin, `/api/v1/invitations/${invitation.body.token}/accept`, {}, bruno.cookie);
	const meeting = await post(
		origin,
		`/api/v1/tables/${table.body.id}/meetings`,
		{ title: 'Primo incontro', startsAt: '2027-01-14T15:00:00+01:00', endsAt: '2027-01-14T17:00:00+01:00' },
		anna.cookie
	);
	const document = await post(origin, `/api/v1/tables/${table.body.id}/documents`, { kind: 'protocol', title: 'Protocollo' }, anna.cookie);
	await writeDraft(origin, document.body.docName, anna.cookie);
	return { roomPath: `/meetings/${meeting.body.id}`, editorPath: `/documents/${document.body.id}`, visitorCookie: bruno.cookie };
}

/** One paragraph typed into the draft over /yjs, as the editor would, and waited until stored. */
async function writeDraft(origin: string, docName: string, cookie: string): Promise<void> {
	const headers = { cookie, origin };
	const Socket = class extends WebSocket {
		constructor(url: string, protocols?: string | string[]) {
			super(url, protocols, { headers });
		}
	};
	const doc = new Y.Doc();
	const provider = new WebsocketProvider(`${origin.replace('http', 'ws')}/yjs`, docName, doc, {
		WebSocketPolyfill: Socket as never,
		disableBc: true
	});
	await new Promise<void>((resolve) => provider.once('sync', () => resolve()));
	const paragraph = new Y.XmlElement('paragraph');
	paragraph.insert(0, [new Y.XmlText(draftText)]);
	doc.getXmlFragment('default').insert(0, [paragraph]);
	// The server commits after TAVOLO_YJS_COMMIT_DELAY_MS; a second sync round trip follows it.
	await new Promise((resolve) => setTimeout(resolve, 500));
	provider.destroy();
	doc.destroy();
}

/**
 * Records in the page when `selector` first matches (with `text` in it, when given) and is painted:
 * `performance.now()` of the frame after, from navigation start. A string, not a function: tsx
 * would add its own helpers to a function's source, which the page does not have.
 */
function watchFor(selector: string, text: string | null): string {
	return `(() => {
		const selector = ${JSON.stringify(selector)};
		const text = ${JSON.stringify(text)};
		const check = () => {
			if (window.__contentAt !== undefined) return;
			const element = document.querySelector(selector);
			if (!element || (text !== null && !element.textContent.includes(text))) return;
			window.__contentAt = -1;
			requestAnimationFrame(() => (window.__contentAt = performance.now()));
		};
		new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
	})();`;
}

async function visit(browser: Browser, origin: string, url: string, cookie: string, selector: string, text: string | null): Promise<Visit> {
	const context = await browser.newContext({ baseURL: origin, locale: 'it-IT', viewport: { width: 1280, height: 720 } });
	const [name, value] = cookie.split('=');
	await context.addCookies([{ name, value, url: origin, httpOnly: true, sameSite: 'Lax' }]);
	const page: Page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	await cdp.send('Network.enable');
	await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
	const types = new Map<string, string>();
	const bytes: Record<string, number> = Object.fromEntries([...columns, 'total'].map((c) => [c, 0]));
	let requests = 0;
	cdp.on('Network.requestWillBeSent', (event) => types.set(event.requestId, event.type ?? 'Other'));
	cdp.on('Network.responseReceived', (event) => types.set(event.requestId, event.type ?? 'Other'));
	cdp.on('Network.loadingFinished', (event) => {
		const group = typeGroups[types.get(event.requestId) ?? 'Other'] ?? 'other';
		bytes[group] += event.encodedDataLength;
		bytes.total += event.encodedDataLength;
		requests++;
	});
	await page.addInitScript(watchFor(selector, text));
	await page.goto(url, { waitUntil: 'commit' });
	await page
		.waitForFunction(() => ((window as unknown as { __contentAt?: number }).__contentAt ?? -1) > 0, null, { timeout: 30_000 })
		.catch(async (error: Error) => {
			const shot = path.join(os.tmpdir(), `page-weight-${Date.now()}.png`);
			await page.screenshot({ path: shot });
			throw new Error(`${url}: no ${selector} within 30 s (screenshot ${shot})`, { cause: error });
		});
	const contentMs = await page.evaluate(() => (window as unknown as { __contentAt: number }).__contentAt);
	// Whatever the page still loads after its content (lazy chunks, fonts) counts too.
	await page.waitForLoadState('networkidle');
	const fcpMs = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
	await context.close();
	return { bytes, requests, contentMs, fcpMs };
}

async function measure(browser: Browser, label: string, dir: string): Promise<Record<string, PageFigures>> {
	const server = await startServer(dir);
	try {
		const { roomPath, editorPath, visitorCookie } = await seed(server.origin);
		const pages = {
			'live room': { url: roomPath, selector: '[data-testid="agenda-items"] li', text: null },
			editor: { url: editorPath, selector: '[role="textbox"][contenteditable="true"]', text: draftText.slice(0, 20) }
		};
		const figures: Record<string, PageFigures> = {};
		for (const [name, p] of Object.entries(pages)) {
			await visit(browser, server.origin, p.url, visitorCookie, p.selector, p.text);
			const visits: Visit[] = [];
			for (let i = 0; i < runs; i++) visits.push(await visit(browser, server.origin, p.url, visitorCookie, p.selector, p.text));
			const bytes = Object.fromEntries([...columns, 'total'].map((c) => [c, median(visits.map((v) => v.bytes[c]))]));
			figures[name] = {
				bytes,
				requests: median(visits.map((v) => v.requests)),
				contentMs: median(visits.map((v) => v.contentMs)),
				fcpMs: median(visits.map((v) => v.fcpMs)),
				contentMsAll: visits.map((v) => Math.round(v.contentMs))
			};
			console.error(`${label} ${name}: ${(bytes.total / 1024).toFixed(0)} KiB, content ${figures[name].contentMsAll.join('/')} ms`);
		}
		return figures;
	} finally {
		await server.stop();
	}
}

const kib = (n: number) => (n / 1024).toFixed(1);

async function main() {
	const browser = await launchBrowser();
	const results: Record<string, Record<string, PageFigures>> = {};
	try {
		for (const { label, dir } of builds) results[label] = await measure(browser, label, dir);
	} finally {
		await browser.close();
	}
	const lines = [
		`First visit, cache disabled, Chromium ${browser.version()}; median of ${runs} visits; load average ${os
			.loadavg()
			.map((l) => l.toFixed(2))
			.join(' ')} at the end.`,
		'',
		`| page | build | total KiB | ${columns.map((c) => `${c} KiB`).join(' | ')} | requests | FCP ms | content ms |`,
		`| --- | --- | ---: | ${columns.map(() => '---:').join(' | ')} | ---: | ---: | ---: |`
	];
	for (const name of ['live room', 'editor']) {
		for (const { label } of builds) {
			const f = results[label][name];
			lines.push(
				`| ${name} | ${label} | ${kib(f.bytes.total)} | ${columns.map((c) => kib(f.bytes[c])).join(' | ')} | ${f.requests} | ${Math.round(f.fcpMs)} | ${Math.round(f.contentMs)} |`
			);
		}
	}
	console.log(lines.join('\n'));
	if (process.env.PAGE_WEIGHT_JSON) await writeFile(process.env.PAGE_WEIGHT_JSON, JSON.stringify(results, null, '\t'));
}

await main();
