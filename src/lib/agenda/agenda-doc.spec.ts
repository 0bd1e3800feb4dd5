import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import {
	addItem,
	agendaEntryProblem,
	agendaLimits,
	agendaItems,
	agendaTemplateUpdate,
	findItemMap,
	moveItem,
	readAgenda,
	readAgendaEntries,
	removeInvalidEntries,
	removeItem,
	totalMinutes,
	updateItem,
	upgradeAgenda
} from './agenda-doc.ts';
import { isPositionKey, keyBetween, spreadKeys } from './position-key.ts';

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
		// A move keeps the item's map and its Y.Texts.
		const title = findItemMap(left, id)!.get('title');
		addItem(left, { title: 'Varie' }, 0);
		expect(readAgenda(left).map((i) => i.title)).toEqual(['Varie', 'Regole base del tavolo e dei ruoli']);
		moveItem(left, id, 0);
		expect(findItemMap(left, id)!.get('title')).toBe(title);
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

/** An item as agendas saved before issue 12 held it: plain-string title and presenter, no position key. */
function legacyItem(id: string, title: string, presenter = ''): Y.Map<unknown> {
	const map = new Y.Map<unknown>();
	for (const [key, value] of Object.entries({ id, title, minutes: 10, presenter, status: 'todo' })) map.set(key, value);
	map.set('notes', new Y.Text(''));
	return map;
}

/** Two peers of one agenda, in sync, holding `titles` in order. */
function twoPeers(titles: string[]): { left: Y.Doc; right: Y.Doc; ids: string[] } {
	const left = new Y.Doc();
	const right = new Y.Doc();
	const ids = titles.map((title) => addItem(left, { title })!);
	sync(left, right);
	return { left, right, ids };
}

const titlesOf = (doc: Y.Doc) => readAgenda(doc).map((i) => i.title);
const textOf = (doc: Y.Doc, id: string, field: string) => findItemMap(doc, id)!.get(field) as Y.Text;

describe('the order of the agenda (position keys: a move never recreates the item)', () => {
	it('keeps what one person types into an item while another moves it, at its new place', () => {
		const { left, right, ids } = twoPeers(['Primo', 'Secondo', 'Terzo']);
		const [first] = ids;
		// Right types into the first item's title and notes, one keystroke per update, while left moves it to the end.
		const typed = ' del tavolo';
		for (const [i, letter] of [...typed].entries()) textOf(right, first, 'title').insert(5 + i, letter);
		textOf(right, first, 'notes').insert(0, 'Appunti presi durante lo spostamento.');
		moveItem(left, first, 2);
		expect(titlesOf(left)).toEqual(['Secondo', 'Terzo', 'Primo']);
		sync(left, right);
		for (const doc of [left, right]) {
			expect(titlesOf(doc)).toEqual(['Secondo', 'Terzo', 'Primo del tavolo']);
			expect(readAgenda(doc)[2]).toMatchObject({ id: first, notes: 'Appunti presi durante lo spostamento.' });
		}
		expect(readAgendaEntries(left).invalid).toEqual([]);
	});

	it('leaves exactly one copy when two people move the same item at once (the last key written wins)', () => {
		const { left, right, ids } = twoPeers(['Primo', 'Secondo', 'Terzo', 'Quarto']);
		moveItem(left, ids[0], 3);
		moveItem(right, ids[0], 1);
		textOf(right, ids[0], 'notes').insert(0, 'scritto da destra');
		sync(left, right);
		expect(readAgenda(left)).toEqual(readAgenda(right));
		expect(agendaItems(left).length).toBe(4);
		expect(readAgendaEntries(left).invalid).toEqual([]);
		const order = titlesOf(left);
		expect(order.filter((t) => t === 'Primo')).toHaveLength(1);
		expect([
			['Secondo', 'Terzo', 'Quarto', 'Primo'],
			['Secondo', 'Primo', 'Terzo', 'Quarto']
		]).toContainEqual(order);
		expect(readAgenda(left).find((i) => i.id === ids[0])!.notes).toBe('scritto da destra');
	});

	it('inserts between neighbours keeping the order, at every index, also after many inserts at one place', () => {
		const doc = new Y.Doc();
		addItem(doc, { title: 'A' });
		addItem(doc, { title: 'C' });
		addItem(doc, { title: 'B' }, 1);
		addItem(doc, { title: 'Inizio' }, 0);
		addItem(doc, { title: 'Fine' });
		expect(titlesOf(doc)).toEqual(['Inizio', 'A', 'B', 'C', 'Fine']);
		// Inserts and moves, always right after 'A': the keys grow until the agenda is respaced, and the order holds.
		const model = titlesOf(doc);
		for (let n = 1; n <= 60; n++) {
			addItem(doc, { title: `x${n}` }, 2);
			model.splice(2, 0, `x${n}`);
		}
		expect(titlesOf(doc)).toEqual(model);
		for (let n = 0; n < 200; n++) {
			moveItem(doc, readAgenda(doc).at(-1)!.id, 2);
			model.splice(2, 0, model.pop()!);
		}
		expect(titlesOf(doc)).toEqual(model);
		expect(agendaItems(doc).length).toBe(65);
		for (const entry of agendaItems(doc).toArray()) expect(agendaEntryProblem(entry)).toBeNull();
		expect(Math.max(...agendaItems(doc).map((m) => String(m.get('position')).length))).toBeLessThanOrEqual(agendaLimits.positionMax);
	});

	it('orders two items inserted at one place at the same time the same way in both copies', () => {
		const { left, right, ids } = twoPeers(['A', 'B']);
		addItem(left, { title: 'da sinistra' }, 1);
		addItem(right, { title: 'da destra' }, 1);
		sync(left, right);
		expect(titlesOf(left)).toEqual(titlesOf(right));
		expect(titlesOf(left)[0]).toBe('A');
		expect(titlesOf(left)[3]).toBe('B');
		// A move between the two equal keys respaces the agenda and lands where asked.
		moveItem(left, ids[1], 2);
		expect(titlesOf(left)[2]).toBe('B');
		expect(titlesOf(left)).toHaveLength(4);
	});

	it('reads an agenda saved without position keys in array order; a move or an insert then keeps the others in that order', () => {
		const doc = new Y.Doc();
		agendaItems(doc).push([legacyItem('a1', 'Uno'), legacyItem('a2', 'Due'), legacyItem('a3', 'Tre')]);
		expect(titlesOf(doc)).toEqual(['Uno', 'Due', 'Tre']);
		moveItem(doc, 'a3', 0);
		expect(titlesOf(doc)).toEqual(['Tre', 'Uno', 'Due']);
		addItem(doc, { title: 'Quattro' }, 2);
		expect(titlesOf(doc)).toEqual(['Tre', 'Uno', 'Quattro', 'Due']);
		// An item without a key (pushed by an older client) comes after those with one.
		agendaItems(doc).push([legacyItem('a5', 'Cinque')]);
		expect(titlesOf(doc)).toEqual(['Tre', 'Uno', 'Quattro', 'Due', 'Cinque']);
	});

	it('refuses a position key that is not one (the server checks the same)', () => {
		const doc = new Y.Doc();
		const id = addItem(doc, { title: 'Punto' })!;
		const map = findItemMap(doc, id)!;
		expect(isPositionKey(map.get('position'))).toBe(true);
		map.set('position', 'Z!');
		expect(agendaEntryProblem(map)).toBe('bad_field');
		map.set('position', 42);
		expect(agendaEntryProblem(map)).toBe('bad_field');
		map.set('position', 'a'.repeat(agendaLimits.positionMax + 1));
		expect(agendaEntryProblem(map)).toBe('field_too_long');
	});

	it('gives a key strictly between any two keys, or says there is none', () => {
		const key = fc.stringMatching(/^[0-9a-z]{0,6}[1-9a-z]$/);
		fc.assert(
			fc.property(fc.option(key), fc.option(key), (a, b) => {
				const between = keyBetween(a, b);
				if (a !== null && b !== null && !(a < b)) {
					expect(between).toBeNull();
					return;
				}
				expect(isPositionKey(between)).toBe(true);
				if (a !== null) expect(a < between!).toBe(true);
				if (b !== null) expect(between! < b).toBe(true);
			})
		);
		for (const count of [0, 1, 4, 35, 100]) {
			const keys = spreadKeys(count);
			expect(keys).toHaveLength(count);
			expect([...keys].sort()).toEqual(keys);
			expect(new Set(keys).size).toBe(count);
			for (let i = 0; i <= count; i++) expect(keyBetween(keys[i - 1] ?? null, keys[i] ?? null)).not.toBeNull();
		}
	});
});

describe('upgrading an agenda saved by older versions', () => {
	it('turns plain-string texts into Y.Texts and gives every item a key, in one transaction, keeping the order and the words', () => {
		const doc = new Y.Doc();
		const odd = legacyItem('a2', 'Due', 'Anna');
		odd.set('notes', 'appunti in una stringa');
		agendaItems(doc).push([legacyItem('a1', 'Uno', 'Luca'), 'non-un-punto' as never, odd, legacyItem('a3', 'Tre')]);
		const before = readAgenda(doc);
		let transactions = 0;
		doc.on('afterTransaction', () => (transactions += 1));
		expect(upgradeAgenda(doc)).toBe(true);
		expect(transactions).toBe(1);
		expect(readAgenda(doc).map((i) => i.title)).toEqual(['Uno', 'Due', 'Tre']);
		expect(readAgenda(doc)[0]).toEqual(before[0]);
		expect(readAgenda(doc)[1]).toMatchObject({ id: 'a2', presenter: 'Anna', notes: 'appunti in una stringa' });
		for (const id of ['a1', 'a2', 'a3']) {
			for (const field of ['title', 'presenter', 'notes']) expect(findItemMap(doc, id)!.get(field)).toBeInstanceOf(Y.Text);
			expect(isPositionKey(findItemMap(doc, id)!.get('position'))).toBe(true);
		}
		expect(readAgendaEntries(doc).invalid).toEqual([{ index: 1, problem: 'not_an_item' }]);
		expect(upgradeAgenda(doc)).toBe(false);
	});
});
