import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';

/**
 * Issue 11, item 5: `redirectTo` on /login, /signup and /language sends nobody off-site. A tab or
 * newline after the first `/` used to pass the check (`/\t/evil.example` is `//evil.example` to a
 * browser) and a newline made the Location header throw (500).
 */
let app: TestApp;
let member: ApiClient;

const hostile = [
	'/\t/evil.example/x',
	'/\n/evil.example/x',
	'/\r\n/evil.example/x',
	'//evil.example/x',
	'/\\evil.example/x',
	'/.//evil.example/x',
	'https://evil.example/x',
	'javascript:alert(1)',
	'/tables\r\nSet-Cookie: tavolo_session=x'
];

beforeAll(async () => {
	app = await startTestApp();
	member = new ApiClient(app.origin);
	await member.signUp('sindaca@comune.example', 'Sindaca');
});
afterAll(() => app?.stop());

/** Where a browser would go with this Location header, from the page that answered. */
function destination(location: string | null): URL {
	expect(location).not.toBeNull();
	return new URL(location!, `${app.origin}/login`);
}

async function postForm(path: string, fields: Record<string, string>, cookie = '') {
	return fetch(app.origin + path, {
		method: 'POST',
		// A browser's plain form submission (no JavaScript): SvelteKit answers it with the redirect itself.
		headers: {
			origin: app.origin,
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded',
			...(cookie ? { cookie } : {})
		},
		body: new URLSearchParams(fields).toString(),
		redirect: 'manual'
	});
}

describe('redirectTo stays on this site', () => {
	it.each(hostile)('GET /login and /signup of a signed-in user: %j', async (value) => {
		for (const page of ['/login', '/signup']) {
			const response = await fetch(`${app.origin}${page}?redirectTo=${encodeURIComponent(value)}`, {
				headers: { cookie: member.sessionCookie },
				redirect: 'manual'
			});
			expect(response.status, `${page} ${JSON.stringify(value)}`).toBe(303);
			expect(destination(response.headers.get('location')).origin).toBe(app.origin);
			expect(response.headers.getSetCookie().some((c) => c.startsWith('tavolo_session=x'))).toBe(false);
		}
	});

	it('the percent-encoded link from the report (/login?redirectTo=/%09/evil.example/x) goes home', async () => {
		for (const query of ['/%09/evil.example/x', '/%0a/evil.example/x', '/%0d%0a/evil.example/x']) {
			const response = await fetch(`${app.origin}/login?redirectTo=${query}`, {
				headers: { cookie: member.sessionCookie },
				redirect: 'manual'
			});
			expect(response.status).toBe(303);
			expect(response.headers.get('location')).toBe('/');
		}
	});

	it.each(hostile)('POST /login, /signup and /language: %j', async (value) => {
		const login = await postForm('/login', { email: 'sindaca@comune.example', password: 'password-sicura-1', redirectTo: value });
		expect(login.status).toBe(303);
		expect(destination(login.headers.get('location')).origin).toBe(app.origin);

		const email = `nuovo-${Math.random().toString(36).slice(2)}@comune.example`;
		const signup = await postForm('/signup', { email, password: 'password-sicura-1', name: 'Nuovo', redirectTo: value });
		expect(signup.status).toBe(303);
		expect(destination(signup.headers.get('location')).origin).toBe(app.origin);

		const language = await postForm('/language', { locale: 'en', redirectTo: value }, member.sessionCookie);
		expect(language.status).toBe(303);
		expect(destination(language.headers.get('location')).origin).toBe(app.origin);
	});

	it('a path on this site is kept, query included', async () => {
		const response = await fetch(`${app.origin}/login?redirectTo=${encodeURIComponent('/tables?vista=tutti#elenco')}`, {
			headers: { cookie: member.sessionCookie },
			redirect: 'manual'
		});
		expect(response.headers.get('location')).toBe('/tables?vista=tutti#elenco');
		const language = await postForm('/language', { locale: 'it', redirectTo: '/tables/abc' }, member.sessionCookie);
		expect(language.headers.get('location')).toBe('/tables/abc');
	});
});
