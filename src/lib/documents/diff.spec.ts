import { describe, expect, it } from 'vitest';
import { diffMarkdown } from './diff.ts';

describe('diffMarkdown', () => {
	it('marks inserted and deleted words and counts them', () => {
		const diff = diffMarkdown('Le parti collaborano con lealtà.', 'Le parti collaborano con efficienza e lealtà.');
		expect(diff.html).toBe('Le parti collaborano con <ins>efficienza e </ins>lealtà.');
		expect(diff.stat).toEqual({ insertions: 2, deletions: 0 });

		const replaced = diffMarkdown('Durata: tre anni.', 'Durata: cinque anni.');
		expect(replaced.html).toBe('Durata: <del>tre</del><ins>cinque</ins> anni.');
		expect(replaced.stat).toEqual({ insertions: 1, deletions: 1 });
	});

	it('escapes the text, so a draft cannot inject markup into the page', () => {
		const diff = diffMarkdown('', '<script>alert(1)</script> & "x"');
		expect(diff.html).not.toContain('<script>');
		expect(diff.html).toContain('&lt;script&gt;');
		expect(diff.html).toContain('&amp; &quot;x&quot;');
	});

	it('reports no change for identical texts', () => {
		expect(diffMarkdown('# Titolo\n\nTesto.', '# Titolo\n\nTesto.')).toEqual({
			html: '# Titolo\n\nTesto.',
			stat: { insertions: 0, deletions: 0 }
		});
	});
});
