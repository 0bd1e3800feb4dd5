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
			mode: 'words',
			html: '# Titolo\n\nTesto.',
			stat: { insertions: 0, deletions: 0 }
		});
	});

	it('falls back to paragraphs, then to "too different" with both texts, past its bounds', () => {
		const limits = { maxEditLength: 4, timeoutMs: 10_000 };
		const before = 'Primo paragrafo uguale.\n\nSecondo paragrafo con molte parole da cambiare.\n\nTerzo uguale.';
		const after = 'Primo paragrafo uguale.\n\nUn testo del tutto nuovo al posto del secondo.\n\nTerzo uguale.';
		const paragraphs = diffMarkdown(before, after, limits);
		expect(paragraphs.mode).toBe('paragraphs');
		expect(paragraphs.html).toBe(
			'Primo paragrafo uguale.\n\n<del>Secondo paragrafo con molte parole da cambiare.\n</del>' +
				'<ins>Un testo del tutto nuovo al posto del secondo.\n</ins>\nTerzo uguale.'
		);
		expect(paragraphs.stat).toEqual({ insertions: 9, deletions: 7 });

		const rewritten = diffMarkdown('a\n\nb\n\nc', 'x\n\ny\n\nz', limits);
		expect(rewritten).toEqual({
			mode: 'too_different',
			html: '',
			stat: { insertions: 3, deletions: 3 },
			before: 'a\n\nb\n\nc',
			after: 'x\n\ny\n\nz'
		});
	});
});
