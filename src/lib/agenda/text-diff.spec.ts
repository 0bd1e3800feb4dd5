import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { applyTextChange } from './text-diff.ts';

describe('applyTextChange', () => {
	it('turns any text into any other', () => {
		fc.assert(
			fc.property(fc.string(), fc.string(), (before, after) => {
				const doc = new Y.Doc();
				const text = doc.getText('t');
				text.insert(0, before);
				applyTextChange(text, before, after);
				expect(text.toString()).toBe(after);
			}),
			{ numRuns: 300 }
		);
	});

	it('keeps a concurrent insertion made elsewhere in the text', () => {
		const a = new Y.Doc();
		const b = new Y.Doc();
		a.getText('t').insert(0, 'Regole del tavolo');
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
		applyTextChange(a.getText('t'), 'Regole del tavolo', 'Regole base del tavolo');
		b.getText('t').insert(b.getText('t').length, '.');
		Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
		expect(a.getText('t').toString()).toBe('Regole base del tavolo.');
		expect(b.getText('t').toString()).toBe('Regole base del tavolo.');
	});
});
