import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import {
	addItem,
	agendaEntryProblem,
	agendaItems,
	agendaTemplateUpdate,
	findItemMap,
	moveItem,
	readAgenda,
	readAgendaEntries,
	removeInvalidEntries,
	removeItem,
	totalMinutes,
	updateItem
} from './agenda-doc.ts';

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

	it('keeps title, presenter and notes as Y.Texts, so two people typing in one title both keep their words', () => {
		const left = new Y.Doc();
		const right = new Y.Doc();
		const id = addItem(left, { title: 'Regole del tavolo', presenter: 'Luca' })!;
		sync(left, right);
		for (const field of ['title', 'presenter', 'notes']) expect(findItemMap(left, id)!.get(field)).toBeInstanceOf(Y.Text);
		(findItemMap(left, id)!.get('title') as Y.Text).insert(7, 'base ');
		(findItemMap(right, id)!.get('title') as Y.Text).insert(17, ' e dei ruoli');
		sync(left, right);
		expect(readAgenda(left)[0].title).toBe('Regole base del tavolo e dei ruoli');
		expect(readAgenda(right)).toEqual(readAgenda(left));
		// A move copies the texts into new Y.Texts, keeping the id.
		addItem(left, { title: 'Varie' }, 0);
		moveItem(left, id, 0);
		expect(findItemMap(left, id)!.get('title')).toBeInstanceOf(Y.Text);
		expect(readAgenda(left)[0]).toMatchObject({ id, title: 'Regole base del tavolo e dei ruoli', presenter: 'Luca' });
	});

	it('reads an agenda saved before issue 12 (plain-string title and presenter) and turns a field into a Y.Text when edited', () => {
		const doc = new Y.Doc();
		const map = new Y.Map<unknown>();
		for (const [key, value] of Object.entries({ id: 'vecchio1', title: 'Punto vecchio', minutes: 10, presenter: 'Anna', status: 'todo' })) {
			map.set(key, value);
		}
		map.set('notes', new Y.Text('appunti'));
		agendaItems(doc).push([map]);
		expect(agendaEntryProblem(agendaItems(doc).get(0))).toBeNull();
		expect(readAgendaEntries(doc)).toEqual({
			items: [{ id: 'vecchio1', title: 'Punto vecchio', minutes: 10, presenter: 'Anna', notes: 'appunti', status: 'todo' }],
			invalid: []
		});
		updateItem(doc, 'vecchio1', { title: 'Punto aggiornato' });
		expect(agendaItems(doc).get(0).get('title')).toBeInstanceOf(Y.Text);
		expect(agendaItems(doc).get(0).get('presenter')).toBe('Anna');
		expect(readAgenda(doc)[0]).toMatchObject({ title: 'Punto aggiornato', presenter: 'Anna' });
		agendaItems(doc)
			.get(0)
			.set('presenter', new Y.Text('p'.repeat(121)));
		expect(agendaEntryProblem(agendaItems(doc).get(0))).toBe('field_too_long');
	});
});

describe('an agenda of any shape (saved before the server checked it)', () => {
	const entry = fc.oneof(
		fc.string({ maxLength: 20 }),
		fc.integer(),
		fc.constant(null),
		fc.boolean(),
		fc.record({ title: fc.string({ maxLength: 300 }), minutes: fc.oneof(fc.integer({ min: -5, max: 700 }), fc.string()) }),
		fc.record({ title: fc.string({ maxLength: 30 }), id: fc.constantFrom('a', 'b', '') })
	);

	it('is read without throwing: valid items kept, the rest reported, and the editor can remove it', () => {
		fc.assert(
			fc.property(fc.array(entry, { maxLength: 12 }), fc.nat(5), (entries, valid) => {
				const doc = new Y.Doc();
				for (let i = 0; i < valid; i++) addItem(doc, { title: `Punto ${i}` });
				agendaItems(doc).push(
					entries.map((value) => {
						if (typeof value !== 'object' || value === null) return value as never;
						const map = new Y.Map<unknown>();
						for (const [key, field] of Object.entries(value)) map.set(key, field);
						return map;
					})
				);
				const reading = readAgendaEntries(doc);
				expect(reading.items.length + reading.invalid.length).toBe(valid + entries.length);
				expect(readAgenda(doc)).toHaveLength(reading.items.length);
				const ids = reading.items.map((item) => item.id);
				expect(new Set(ids).size).toBe(ids.length);
				if (ids.length > 1) moveItem(doc, ids[0], ids.length - 1);
				if (ids.length > 0) updateItem(doc, ids[0], { title: 'Nuovo titolo' });
				findItemMap(doc, 'a');
				removeItem(doc, 'b');
				removeInvalidEntries(doc);
				expect(agendaItems(doc).toArray().map(agendaEntryProblem).filter(Boolean)).toEqual([]);
				expect(readAgendaEntries(doc).invalid).toEqual([]);
			})
		);
	});

	it('names what is wrong with an entry', () => {
		const doc = new Y.Doc();
		addItem(doc, { title: 'Buono' });
		const good = agendaItems(doc).get(0);
		expect(agendaEntryProblem(good)).toBeNull();
		expect(agendaEntryProblem('not-a-map')).toBe('not_an_item');
		expect(agendaEntryProblem(42)).toBe('not_an_item');
		expect(agendaEntryProblem(null)).toBe('not_an_item');
		good.set('title', 't'.repeat(201));
		expect(agendaEntryProblem(good)).toBe('field_too_long');
		good.set('title', 'ok');
		good.set('minutes', 1.5);
		expect(agendaEntryProblem(good)).toBe('bad_field');
		good.set('minutes', 10);
		good.set('extra', 1);
		expect(agendaEntryProblem(good)).toBe('bad_field');
	});
});
