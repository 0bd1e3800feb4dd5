import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { isCoveredBy, snapshotOfUpdates } from './yjs-messages.ts';

/** Updates made by `doc` from now on, one per transaction. */
function recordUpdates(doc: Y.Doc): Uint8Array[] {
	const updates: Uint8Array[] = [];
	doc.on('update', (update: Uint8Array) => updates.push(update));
	return updates;
}

describe('snapshotOfUpdates and isCoveredBy: when may the editor say "Salvato"', () => {
	it('is not covered by an ack that predates a later edit (the edit does not start at clock 0)', () => {
		const doc = new Y.Doc();
		doc.getText('body').insert(0, 'Art. 1');
		const acked = Y.snapshot(doc);
		const updates = recordUpdates(doc);
		doc.getText('body').insert(6, ' — Finalità');
		expect(updates).toHaveLength(1);
		expect(isCoveredBy(snapshotOfUpdates(updates), acked)).toBe(false);
		expect(isCoveredBy(snapshotOfUpdates(updates), Y.snapshot(doc))).toBe(true);
	});

	it('is not covered by an ack missing a deletion, and is once the deletion is in it', () => {
		const doc = new Y.Doc();
		doc.getText('body').insert(0, 'Art. 1 bozza');
		const acked = Y.snapshot(doc);
		const updates = recordUpdates(doc);
		doc.getText('body').delete(6, 6);
		expect(isCoveredBy(snapshotOfUpdates(updates), acked)).toBe(false);
		expect(isCoveredBy(snapshotOfUpdates(updates), Y.snapshot(doc))).toBe(true);
	});

	it('covers every update of several clients up to the ack, and not one past it', () => {
		const a = new Y.Doc();
		const b = new Y.Doc();
		const fromA = recordUpdates(a);
		a.getText('body').insert(0, 'uno ');
		Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
		const fromB = recordUpdates(b);
		b.getText('body').insert(4, 'due ');
		Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
		const acked = Y.snapshot(a);
		a.getText('body').insert(0, 'tre ');
		expect(isCoveredBy(snapshotOfUpdates([...fromA.slice(0, 1), ...fromB.filter((_, i) => i === 0)]), acked)).toBe(true);
		expect(isCoveredBy(snapshotOfUpdates([fromA.at(-1)!]), acked)).toBe(false);
	});
});
