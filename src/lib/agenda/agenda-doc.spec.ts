import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addItem, agendaTemplateUpdate, findItemMap, moveItem, readAgenda, removeItem, totalMinutes, updateItem } from './agenda-doc.ts';

function sync(a: Y.Doc, b: Y.Doc) {
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
	Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('the agenda document', () => {
	it('starts the first meeting with the four points of the convocation letter', () => {
		const doc = new Y.Doc();
		Y.applyUpdate(doc, agendaTemplateUpdate('first_meeting'));
		const items = readAgenda(doc);
		expect(items.map((i) => i.title)).toEqual([
			'Condivisione e approfondimento del progetto e del Report con i partecipanti al tavolo',
			'Condivisione delle finalità e degli obiettivi specifici del tavolo',
			'Definizione delle regole base e dei ruoli per il funzionamento del tavolo',
			'Ipotesi di programmazione degli incontri successivi (argomenti, temi da discutere e calendario)'
		]);
		expect(totalMinutes(items)).toBe(120);
		expect(
			readAgenda(
				(() => {
					const d = new Y.Doc();
					Y.applyUpdate(d, agendaTemplateUpdate('empty'));
					return d;
				})()
			)
		).toEqual([]);
	});

	it('adds, updates, moves and removes items keeping their ids and notes', () => {
		const doc = new Y.Doc();
		const a = addItem(doc, { title: 'Primo', minutes: 10 })!;
		const b = addItem(doc, { title: 'Secondo', minutes: 20 })!;
		(findItemMap(doc, a)!.get('notes') as Y.Text).insert(0, 'appunti');
		moveItem(doc, a, 1);
		expect(readAgenda(doc).map((i) => [i.id, i.title, i.notes])).toEqual([
			[b, 'Secondo', ''],
			[a, 'Primo', 'appunti']
		]);
		updateItem(doc, a, { minutes: 9999, status: 'done' });
		expect(readAgenda(doc)[1]).toMatchObject({ minutes: 600, status: 'done' });
		removeItem(doc, b);
		expect(readAgenda(doc).map((i) => i.id)).toEqual([a]);
	});

	it('merges concurrent edits of different fields and of the notes', () => {
		const left = new Y.Doc();
		const right = new Y.Doc();
		const id = addItem(left, { title: 'Regole del tavolo', minutes: 20 })!;
		sync(left, right);
		updateItem(left, id, { title: 'Regole base del tavolo' });
		updateItem(right, id, { presenter: 'Luca' });
		(findItemMap(left, id)!.get('notes') as Y.Text).insert(0, 'Puntualità. ');
		(findItemMap(right, id)!.get('notes') as Y.Text).insert(0, 'Turni di parola. ');
		addItem(right, { title: 'Varie' });
		sync(left, right);
		expect(readAgenda(left)).toEqual(readAgenda(right));
		const [item] = readAgenda(left);
		expect(item).toMatchObject({ title: 'Regole base del tavolo', presenter: 'Luca' });
		expect(item.notes).toContain('Puntualità. ');
		expect(item.notes).toContain('Turni di parola. ');
		expect(readAgenda(left)).toHaveLength(2);
	});
});
