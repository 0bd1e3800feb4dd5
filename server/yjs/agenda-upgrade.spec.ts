import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { agendaItems, agendaTemplateUpdate, findItemMap, readAgenda } from '../../src/lib/agenda/agenda-doc.ts';
import { agendaLoadUpgrade, agendaUpgradeClientId, upgradeTextsAfterUpdate } from './agenda-upgrade.ts';

/** A stored agenda as Tavolo wrote it before issue 12: plain-string title and presenter, no position keys. */
function legacyState(): Uint8Array {
	const doc = new Y.Doc();
	for (const [id, title, presenter] of [
		['vecchio1', 'Punto di una volta', 'Anna'],
		['vecchio2', 'Secondo punto', '']
	]) {
		const map = new Y.Map<unknown>();
		for (const [key, value] of Object.entries({ id, title, minutes: 10, presenter, status: 'todo' })) map.set(key, value);
		map.set('notes', new Y.Text(''));
		agendaItems(doc).push([map]);
	}
	return Y.encodeStateAsUpdate(doc);
}

/** A node's room loading the stored state and upgrading it, as DocRoom.load does. */
function loadOnNode(stored: Uint8Array): { doc: Y.Doc; upgrade: Uint8Array } {
	const doc = new Y.Doc();
	Y.applyUpdate(doc, stored);
	const upgrade = agendaLoadUpgrade(doc)!;
	Y.applyUpdate(doc, upgrade);
	return { doc, upgrade };
}

const title = (doc: Y.Doc, id: string) => findItemMap(doc, id)!.get('title') as Y.Text;

describe('the agenda upgrade on load', () => {
	it('is the same update on two nodes loading one stored agenda at once, so typing on both keeps every keystroke', () => {
		const stored = legacyState();
		const one = loadOnNode(stored);
		const two = loadOnNode(stored);
		expect(Buffer.from(one.upgrade).equals(Buffer.from(two.upgrade))).toBe(true);
		expect(Y.decodeUpdate(one.upgrade).structs.every((struct) => struct.id.client === agendaUpgradeClientId)).toBe(true);
		// People on each node type into the title before the other node's upgrade arrives over Redis.
		title(one.doc, 'vecchio1').insert(0, 'Primo: ');
		title(two.doc, 'vecchio1').insert('Punto di una volta'.length, ' (rivisto)');
		Y.applyUpdate(one.doc, Y.encodeStateAsUpdate(two.doc, Y.encodeStateVector(one.doc)));
		Y.applyUpdate(two.doc, Y.encodeStateAsUpdate(one.doc, Y.encodeStateVector(two.doc)));
		for (const doc of [one.doc, two.doc]) {
			expect(readAgenda(doc).map((item) => [item.title, item.presenter])).toEqual([
				['Primo: Punto di una volta (rivisto)', 'Anna'],
				['Secondo punto', '']
			]);
		}
		// Loaded again later (a node that upgraded once before): nothing left to do.
		const later = new Y.Doc();
		Y.applyUpdate(later, Y.encodeStateAsUpdate(one.doc));
		expect(agendaLoadUpgrade(later)).toBeNull();
	});

	it('leaves an agenda made by this version alone', () => {
		const doc = new Y.Doc();
		Y.applyUpdate(doc, agendaTemplateUpdate('first_meeting'));
		expect(agendaLoadUpgrade(doc)).toBeNull();
		expect(upgradeTextsAfterUpdate(doc, null)).toBe(false);
	});

	it('turns a plain string an older client writes into a Y.Text right after its update', () => {
		const doc = new Y.Doc();
		Y.applyUpdate(doc, agendaTemplateUpdate('standard'));
		const [first] = readAgenda(doc);
		findItemMap(doc, first.id)!.set('presenter', 'Dott.ssa Rossi');
		const origin = Symbol('upgrade');
		const origins: unknown[] = [];
		doc.on('afterTransaction', (transaction: Y.Transaction) => origins.push(transaction.origin));
		expect(upgradeTextsAfterUpdate(doc, origin)).toBe(true);
		expect(origins).toEqual([origin]);
		expect(findItemMap(doc, first.id)!.get('presenter')).toBeInstanceOf(Y.Text);
		expect(readAgenda(doc)[0].presenter).toBe('Dott.ssa Rossi');
	});
});
