import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as Y from 'yjs';
import { applyChange, diffAtCaret, mapPosition, mapSelection, type DeltaOp } from './ytext-input.ts';

/** A remote edit: delete `remove` characters at `at`, insert `insert` there. */
interface Edit {
	at: number;
	remove: number;
	insert: string;
}

/**
 * Another client's `edits` (one transaction) arriving at a local Y.Text holding `initial`: the
 * delta the local observer gets, the new text, and Yjs's own answer for where the local `caret`
 * is now (a relative position bound to the character before it, as the binding promises).
 */
function remoteChange(initial: string, edits: Edit[], caret: number): { delta: DeltaOp[]; after: string; yjsCaret: number } {
	const localDoc = new Y.Doc();
	const local = localDoc.getText('t');
	local.insert(0, initial);
	const remoteDoc = new Y.Doc();
	Y.applyUpdate(remoteDoc, Y.encodeStateAsUpdate(localDoc));
	const remote = remoteDoc.getText('t');
	remoteDoc.transact(() => {
		for (const edit of edits) {
			const at = Math.min(edit.at, remote.length);
			remote.delete(at, Math.min(edit.remove, remote.length - at));
			remote.insert(at, edit.insert);
		}
	});
	const relative = Y.createRelativePositionFromTypeIndex(local, caret, -1);
	let delta: DeltaOp[] = [];
	local.observe((event) => (delta = event.delta as DeltaOp[]));
	Y.applyUpdate(localDoc, Y.encodeStateAsUpdate(remoteDoc, Y.encodeStateVector(localDoc)));
	const absolute = Y.createAbsolutePositionFromRelativePosition(relative, localDoc);
	return { delta, after: local.toString(), yjsCaret: absolute!.index };
}

const text = fc.string({ unit: fc.constantFrom('a', 'b', 'x', ' ', 'è'), maxLength: 30 });
const edit = fc.record({ at: fc.nat(35), remove: fc.nat(5), insert: fc.string({ unit: fc.constantFrom('a', 'Z', 'q'), maxLength: 6 }) });

describe('mapSelection: a remote change keeps the caret and the selection', () => {
	it('shifts the caret by what is inserted or deleted before it, and not by what comes after', () => {
		// "Regole del tavolo", caret after "Regole" (6).
		expect(mapPosition([{ insert: 'Le ' }], 6)).toBe(9);
		expect(mapPosition([{ retain: 10 }, { insert: 'xyz' }], 6)).toBe(6);
		expect(mapPosition([{ delete: 3 }], 6)).toBe(3);
		expect(mapPosition([{ retain: 4 }, { delete: 5 }], 6)).toBe(4);
		// Inserted exactly at the caret: the caret stays before it, so its owner keeps typing after their own text.
		expect(mapPosition([{ retain: 6 }, { insert: 'ZZ' }], 6)).toBe(6);
		expect(mapSelection([{ retain: 2 }, { insert: 'ab' }, { retain: 2 }, { delete: 1 }], 3, 8)).toEqual({ start: 5, end: 9 });
		expect(mapSelection([{ retain: 2 }, { delete: 10 }], 3, 8)).toEqual({ start: 2, end: 2 });
	});

	it('agrees with Yjs relative positions (bound to the character before) for any remote edit', () => {
		fc.assert(
			fc.property(text, fc.array(edit, { minLength: 1, maxLength: 3 }), fc.nat(30), fc.nat(30), (initial, edits, a, b) => {
				const start = Math.min(a, b, initial.length);
				const end = Math.min(Math.max(a, b), initial.length);
				const { delta, after, yjsCaret } = remoteChange(initial, edits, start);
				const mapped = mapSelection(delta, start, end);
				expect(mapped.start).toBe(yjsCaret);
				expect(mapped.end).toBe(Math.max(mapped.start, remoteChange(initial, edits, end).yjsCaret));
				expect(mapped.end).toBeLessThanOrEqual(after.length);
				// The text on either side of the caret that survived is still on that side.
				const kept = initial.slice(0, start);
				if (!edits.some((e) => e.at < start)) expect(after.slice(0, mapped.start)).toBe(kept);
			})
		);
	});
});

describe('diffAtCaret: one input event as the smallest change at the caret', () => {
	it('places a typed character where the caret is, even among equal characters', () => {
		// "a|x" + "x": the new x is at 1, not after the old one.
		expect(diffAtCaret('ax', 'axx', 2)).toEqual({ index: 1, remove: 0, insert: 'x' });
		expect(diffAtCaret('aa', 'aaa', 1)).toEqual({ index: 0, remove: 0, insert: 'a' });
		// Backspace and Delete, a selection replaced, a paste.
		expect(diffAtCaret('abc', 'ac', 1)).toEqual({ index: 1, remove: 1, insert: '' });
		expect(diffAtCaret('123abc456', '123x456', 4)).toEqual({ index: 3, remove: 3, insert: 'x' });
		expect(diffAtCaret('Punto', 'Punto primo', 11)).toEqual({ index: 5, remove: 0, insert: ' primo' });
		expect(diffAtCaret('same', 'same', 2)).toBeNull();
		// A caret that does not fit (a script set the value): prefix and suffix.
		expect(diffAtCaret('abcdef', 'abXdef', 0)).toEqual({ index: 2, remove: 1, insert: 'X' });
	});

	it('always turns the old value into the new one, the change ending at the caret', () => {
		fc.assert(
			fc.property(text, edit, (before, e) => {
				const at = Math.min(e.at, before.length);
				const remove = Math.min(e.remove, before.length - at);
				const after = before.slice(0, at) + e.insert + before.slice(at + remove);
				const caret = at + e.insert.length;
				const change = diffAtCaret(before, after, caret);
				if (before === after) {
					expect(change).toBeNull();
					return;
				}
				const doc = new Y.Doc();
				const ytext = doc.getText('t');
				ytext.insert(0, before);
				applyChange(ytext, change!, null);
				expect(ytext.toString()).toBe(after);
				expect(change!.index + change!.insert.length).toBe(caret);
				expect(change!.remove).toBeLessThanOrEqual(remove);
			})
		);
	});

	it('lets two people typing at the same spot at once keep their words whole and in order', () => {
		fc.assert(
			fc.property(
				text,
				fc.nat(30),
				fc.string({ unit: fc.constantFrom('a', 'b'), minLength: 1, maxLength: 8 }),
				fc.string({ unit: fc.constantFrom('a', 'b'), minLength: 1, maxLength: 8 }),
				(initial, rawAt, wordA, wordB) => {
					const at = Math.min(rawAt, initial.length);
					const docA = new Y.Doc();
					docA.getText('t').insert(0, initial);
					const docB = new Y.Doc();
					Y.applyUpdate(docB, Y.encodeStateAsUpdate(docA));
					// Each types one character at a time at its own caret; every update crosses to the other at once.
					const people = [
						{ doc: docA, word: wordA, caret: at, value: initial },
						{ doc: docB, word: wordB, caret: at, value: initial }
					];
					for (const person of people) {
						person.doc.getText('t').observe((event, tr) => {
							if (tr.local) return;
							person.caret = mapPosition(event.delta as DeltaOp[], person.caret);
							person.value = person.doc.getText('t').toString();
						});
					}
					docA.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(docB, u, 'remote'));
					docB.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(docA, u, 'remote'));
					for (let i = 0; i < Math.max(wordA.length, wordB.length); i++) {
						for (const person of people) {
							if (i >= person.word.length) continue;
							const after = person.value.slice(0, person.caret) + person.word[i] + person.value.slice(person.caret);
							const change = diffAtCaret(person.value, after, person.caret + 1)!;
							person.value = after;
							person.caret += 1;
							applyChange(person.doc.getText('t'), change, null);
						}
					}
					const final = docA.getText('t').toString();
					expect(docB.getText('t').toString()).toBe(final);
					const middle = final.slice(at, at + wordA.length + wordB.length);
					expect([wordA + wordB, wordB + wordA]).toContain(middle);
					expect(final).toBe(initial.slice(0, at) + middle + initial.slice(at));
				}
			)
		);
	});
});
