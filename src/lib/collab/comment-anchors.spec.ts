import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getSchema } from '@tiptap/core';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { initProseMirrorDoc, prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { draftExtensions, draftField } from '../documents/extensions.ts';
import { encodeRange, resolveRange, type EncodedRange } from './comment-anchors.ts';

const schema = getSchema(draftExtensions());
const paragraph = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });

/** Two replicas of one draft that exchange their updates, as two browsers through the server do. */
function replicas(...texts: string[]): [Y.Doc, Y.Doc] {
	const a = new Y.Doc();
	const b = new Y.Doc();
	prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content: texts.map(paragraph) }, a.getXmlFragment(draftField));
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
	return [a, b];
}

function sync(a: Y.Doc, b: Y.Doc): void {
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
	Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

/** The editor's view of a replica: the ProseMirror document and y-tiptap's mapping for it. */
function editorOf(doc: Y.Doc): { pm: ProseMirrorNode; fragment: Y.XmlFragment; mapping: Map<Y.AbstractType<unknown>, ProseMirrorNode> } {
	const fragment = doc.getXmlFragment(draftField);
	const { doc: pm, meta } = initProseMirrorDoc(fragment, schema);
	return { pm, fragment, mapping: meta.mapping };
}

function find(pm: ProseMirrorNode, words: string): { from: number; to: number } {
	let found: { from: number; to: number } | null = null;
	pm.descendants((node, pos) => {
		if (found || !node.isText) return !found;
		const index = node.text!.indexOf(words);
		if (index >= 0) found = { from: pos + index, to: pos + index + words.length };
		return false;
	});
	if (!found) throw new Error(`"${words}" is not in the document`);
	return found;
}

function anchor(doc: Y.Doc, words: string): EncodedRange {
	const { pm, fragment, mapping } = editorOf(doc);
	const { from, to } = find(pm, words);
	return encodeRange(fragment, mapping, from, to);
}

/** The text an anchor covers in a replica now, or null when it is orphaned. */
function covered(doc: Y.Doc, range: EncodedRange): string | null {
	const { pm, fragment, mapping } = editorOf(doc);
	const resolved = resolveRange(fragment, mapping, range);
	return resolved ? pm.textBetween(resolved.from, resolved.to, '\n') : null;
}

/** The paragraph's text node in a replica, to edit it as a remote editor would. */
const textOf = (doc: Y.Doc, index: number) => (doc.getXmlFragment(draftField).get(index) as Y.XmlElement).get(0) as Y.XmlText;

describe('comment anchors', () => {
	it('resolves to the same words where they were made', () => {
		const [a] = replicas('Art. 1 — Finalità.', 'Le scuole accolgono gli studenti neoarrivati.');
		expect(covered(a, anchor(a, 'gli studenti'))).toBe('gli studenti');
	});

	it('keeps covering the same words after concurrent inserts before the range, right before it and right after it', () => {
		const [a, b] = replicas('Art. 1 — Finalità.', 'Le scuole accolgono gli studenti neoarrivati.');
		const range = anchor(a, 'gli studenti');
		// While a's comment travels, b types a new first paragraph, words earlier in the same
		// paragraph, and text touching both ends of the commented words.
		const fragment = b.getXmlFragment(draftField);
		const intro = new Y.XmlElement('paragraph');
		intro.insert(0, [new Y.XmlText('Premessa del tavolo.')]);
		fragment.insert(0, [intro]);
		const text = textOf(b, 2);
		text.insert(0, 'Tutte ');
		const start = text.toString().indexOf('gli studenti');
		text.insert(start + 'gli studenti'.length, ' e le studentesse');
		text.insert(start, 'volentieri ');
		// And a edits too, before syncing.
		textOf(a, 0).insert(0, 'Titolo — ');
		sync(a, b);

		expect(textOf(a, 2).toString()).toBe('Tutte Le scuole accolgono volentieri gli studenti e le studentesse neoarrivati.');
		expect(covered(a, range)).toBe('gli studenti');
		expect(covered(b, range)).toBe('gli studenti');
	});

	it('shrinks with a delete inside the range and spans paragraphs', () => {
		const [a, b] = replicas('Primo impegno dei Comuni.', 'Secondo impegno delle scuole.');
		const inside = anchor(a, 'impegno dei Comuni');
		const { pm, fragment, mapping } = editorOf(a);
		const across = encodeRange(fragment, mapping, find(pm, 'Comuni').from, find(pm, 'Secondo').to);
		const text = textOf(b, 0);
		text.delete(text.toString().indexOf('dei '), 'dei '.length);
		sync(a, b);
		expect(covered(a, inside)).toBe('impegno Comuni');
		expect(covered(b, across)).toBe('Comuni.\nSecondo');
	});

	it('is orphaned when its words, or their whole paragraph, are deleted', () => {
		const [a, b] = replicas('Primo impegno dei Comuni.', 'Secondo impegno delle scuole.');
		const words = anchor(a, 'dei Comuni');
		const whole = anchor(a, 'delle scuole');
		const text = textOf(b, 0);
		text.delete(text.toString().indexOf('dei Comuni'), 'dei Comuni'.length);
		b.getXmlFragment(draftField).delete(1, 1);
		sync(a, b);
		expect(covered(a, words)).toBeNull();
		expect(covered(a, whole)).toBeNull();
	});

	it('refuses an anchor it cannot read', () => {
		const [a] = replicas('Testo.');
		expect(covered(a, { from: '@@@', to: 'AAAA' })).toBeNull();
	});
});
