import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateOneTimeToken, parseOneTimeToken, secretMatches } from './one-time-tokens.ts';

describe('one-time tokens', () => {
	it('a fresh token parses back to its id, and only its own secret matches the stored hash', () => {
		const issued = generateOneTimeToken();
		const parts = parseOneTimeToken(issued.token);
		expect(parts?.id).toBe(issued.id);
		expect(secretMatches(parts!.secret, issued.secretHash)).toBe(true);
		expect(issued.secretHash).toMatch(/^[0-9a-f]{64}$/);
		expect(issued.token).not.toContain(issued.secretHash);
		const other = parseOneTimeToken(generateOneTimeToken().token)!;
		expect(secretMatches(other.secret, issued.secretHash)).toBe(false);
	});

	it('every token is new', () => {
		const tokens = new Set(Array.from({ length: 1000 }, () => generateOneTimeToken().token));
		expect(tokens.size).toBe(1000);
	});

	it('anything but a well-formed token is null, never an exception (property)', () => {
		fc.assert(
			fc.property(fc.oneof(fc.string(), fc.anything()), (value) => {
				const parsed = parseOneTimeToken(value);
				if (parsed !== null) {
					expect(parsed.id).toMatch(/^[a-z2-7]{16}$/);
					expect(parsed.secret).toMatch(/^[a-z2-7]{32}$/);
				}
			})
		);
		for (const junk of ['', '.', 'a.b', `${'a'.repeat(16)}.${'b'.repeat(31)}`, `${'A'.repeat(16)}.${'b'.repeat(32)}`, null, 42, {}]) {
			expect(parseOneTimeToken(junk)).toBeNull();
		}
	});
});
