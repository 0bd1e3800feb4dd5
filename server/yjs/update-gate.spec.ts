import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addItem, agendaItems, readAgendaEntries, removeItem } from '../../src/lib/agenda/agenda-doc.ts';
import { yjsCloseCodes } from '../../src/lib/realtime/yjs-messages.ts';
import { Refusal } from './connection.ts';
import { UpdateGate } from './update-gate.ts';

/** The update `edit` makes on a copy of `doc` (what a client would send). */
function clientUpdate(doc: Y.Doc, edit: (copy: Y.Doc) => void): Uint8Array {
	const copy = new Y.Doc();
	Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
	const updates: Uint8Array[] = [];
	copy.on('update', (update: Uint8Array) => updates.push(update));
	copy.transact(() => edit(copy));
	return Y.mergeUpdates(updates);
}

function refusal(run: () => void): { code: number; reason: string } | null {
	try {
		run();
		return null;
	} catch (error) {
		if (error instanceof Refusal) return { code: error.code, reason: error.reason };
		throw error;
	}
}

describe('UpdateGate', () => {
	it('keeps its agenda copy in step with updates that reach the document by other ways (relay, reload)', () => {
		const doc = new Y.Doc();
		const gate = new UpdateGate({ doc, maxDocBytes: 1 << 20, agenda: true });
		gate.loaded();
		gate.apply(
			clientUpdate(doc, (c) => addItem(c, { title: 'Primo' })),
			'client',
			false
		);
		// Another node's items, applied straight to the document (relayOrigin in DocRoom).
		const other = new Y.Doc();
		Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
		for (let i = 0; i < 99; i++) addItem(other, { title: `Altro ${i}` });
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(other, Y.encodeStateVector(doc)), 'relay');
		expect(readAgendaEntries(doc).items).toHaveLength(100);
		// The copy knows them: a 101st item is refused, removing one of them is not.
		// The editor's addItem stops at 100; a client that does not is refused.
		const item = new Y.Doc();
		addItem(item, { title: 'Troppo' });
		const extra = agendaItems(item).get(0).clone();
		expect(
			refusal(() =>
				gate.apply(
					clientUpdate(doc, (c) => agendaItems(c).push([extra])),
					'client',
					false
				)
			)
		).toEqual({
			code: yjsCloseCodes.invalidAgenda,
			reason: 'agenda_too_many_items'
		});
		expect(readAgendaEntries(doc).items).toHaveLength(100);
		const victim = readAgendaEntries(doc).items[50].id;
		gate.apply(
			clientUpdate(doc, (c) => removeItem(c, victim)),
			'client',
			false
		);
		expect(readAgendaEntries(doc).items).toHaveLength(99);
		// After the refusal the copy was made again: a bad entry is still caught, a good edit passes.
		expect(
			refusal(() =>
				gate.apply(
					clientUpdate(doc, (c) => agendaItems(c).push([42 as never])),
					'client',
					false
				)
			)
		).toMatchObject({
			reason: 'agenda_not_an_item'
		});
		gate.apply(
			clientUpdate(doc, (c) => addItem(c, { title: 'Ultimo' })),
			'client',
			false
		);
		expect(readAgendaEntries(doc)).toMatchObject({ invalid: [] });
		expect(readAgendaEntries(doc).items.at(-1)?.title).toBe('Ultimo');
	});

	it('refuses growth over the limit, accepts what shrinks, and lets a recovering connection delete anything', () => {
		const doc = new Y.Doc();
		doc.getText('t').insert(0, 'x'.repeat(5000));
		const gate = new UpdateGate({ doc, maxDocBytes: 2000, agenda: false });
		gate.loaded();
		const tooLarge = { code: yjsCloseCodes.tooLarge, reason: 'document_too_large' };
		expect(
			refusal(() =>
				gate.apply(
					clientUpdate(doc, (c) => c.getText('t').insert(0, 'y')),
					'client',
					true
				)
			)
		).toEqual(tooLarge);
		const oneChar = clientUpdate(doc, (c) => c.getText('t').delete(2500, 1));
		expect(refusal(() => gate.apply(oneChar, 'client', false))).toEqual(tooLarge);
		expect(doc.getText('t').length).toBe(5000);
		gate.apply(oneChar, 'coordinator', true);
		expect(doc.getText('t').length).toBe(4999);
		gate.apply(
			clientUpdate(doc, (c) => c.getText('t').delete(0, 4000)),
			'participant',
			false
		);
		expect(doc.getText('t').length).toBe(999);
		gate.apply(
			clientUpdate(doc, (c) => c.getText('t').insert(0, 'sotto il limite ')),
			'participant',
			false
		);
		expect(Y.encodeStateAsUpdate(doc).byteLength).toBeLessThan(2000);
	});
});
