import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeRedirectPath } from './redirect-path.ts';

const origin = 'https://tavolo.consorzio.example';

/** What a browser does with a Location header: resolve it against the page it is on. */
function landsOn(location: string): URL {
	return new URL(location, `${origin}/login`);
}

function assertStaysHome(result: string): void {
	expect(result.startsWith('/')).toBe(true);
	expect(result.startsWith('//')).toBe(false);
	// Nothing a header cannot carry, nothing a parser would strip; no `\` a browser reads as `/`.
	expect([...result].some((c) => c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f)).toBe(false);
	expect(result.split(/[?#]/)[0]).not.toContain('\\');
	expect(landsOn(result).origin).toBe(origin);
}

describe('safeRedirectPath', () => {
	it('keeps a path on this site, with its query and fragment', () => {
		expect(safeRedirectPath('/tables/abc?tab=documenti#bozze', origin)).toBe('/tables/abc?tab=documenti#bozze');
		expect(safeRedirectPath('/invite/abc234', origin)).toBe('/invite/abc234');
		expect(safeRedirectPath('/', origin)).toBe('/');
		expect(safeRedirectPath('/città?q=sì', origin)).toBe('/citt%C3%A0?q=s%C3%AC');
	});

	const hostile = [
		'//evil.example/x',
		'/\\evil.example/x',
		'/\t/evil.example/x',
		'/\n/evil.example/x',
		'/\r\n/evil.example/x',
		'/\t\\evil.example',
		'/ /evil.example',
		'/.//evil.example',
		'/./\\evil.example',
		'/..//evil.example',
		'/%2e//evil.example',
		'///evil.example',
		'/\\/evil.example',
		'https://evil.example/',
		'http:evil.example',
		'javascript:alert(1)',
		'JaVaScRiPt:alert(1)',
		'data:text/html,<script>alert(1)</script>',
		'evil.example',
		'\t//evil.example',
		' /x',
		'',
		'@evil.example',
		'/\u0000/evil.example',
		'/\u000b/evil.example'
	];

	it.each(hostile)('never sends anyone off-site: %j', (value) => {
		const result = safeRedirectPath(value, origin);
		assertStaysHome(result);
		// At most a local path that happens to contain the name, never the host itself.
		expect(landsOn(result).hostname).not.toBe('evil.example');
	});

	it('a line break in the path cannot split the header', () => {
		const result = safeRedirectPath('/tables\r\nSet-Cookie: x=1', origin);
		assertStaysHome(result);
		expect(result).not.toMatch(/[\r\n]/);
	});

	it('anything that is not a string falls back', () => {
		for (const value of [null, undefined, 42, {}, ['/x'], new URL('https://evil.example')]) {
			expect(safeRedirectPath(value, origin)).toBe('/');
		}
		expect(safeRedirectPath('//evil.example', origin, '/tables')).toBe('/tables');
		expect(safeRedirectPath(`/${'a'.repeat(5000)}`, origin)).toBe('/');
	});

	it('whatever it is given, the result is a path on this site (property)', () => {
		const pieces = fc.constantFrom(
			'/',
			'\\',
			'\t',
			'\n',
			'\r',
			' ',
			'.',
			'..',
			'%2f',
			'%5c',
			'%09',
			'@',
			':',
			'?',
			'#',
			'evil.example',
			'http:',
			'x'
		);
		const crafted = fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join(''));
		fc.assert(
			fc.property(fc.oneof(crafted, fc.string({ unit: 'binary' }), fc.webUrl(), fc.webPath()), (value) => {
				const result = safeRedirectPath(value, origin);
				assertStaysHome(result);
			}),
			{ numRuns: 3000 }
		);
	});

	it('a plain path through it twice is unchanged (property)', () => {
		fc.assert(
			fc.property(fc.webPath(), (path) => {
				const once = safeRedirectPath(`/${path.replace(/^\/+/, '')}`, origin);
				expect(safeRedirectPath(once, origin)).toBe(once);
			})
		);
	});
});
