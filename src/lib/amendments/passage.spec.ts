import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getSchema } from '@tiptap/core';
import type { Node as ProseMirrorNode } from '@tiptap/pm/model';
import { initProseMirrorDoc, prosemirrorJSONToYXmlFragment, yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import { draftExtensions, draftField } from '../documents/extensions.ts';
import { encodeRange, type EncodedRange } from '../collab/comment-anchors.ts';
import { checkPassage, replacePassage } from './passage.ts';

const schema = getSchema(draftExtensions());
type Inline = { type: 'text'; text: string; marks?: Array<{ type: string }> };
const paragraph = (...content: Inline[]) => ({ type: 'paragraph', content });
const text = (value: string, marks?: string[]): Inline => ({
	type: 'text',
	text: value,
	...(marks ? { marks: marks.map((type) => ({ type })) } : {})
});

function draft(...paragraphs: ReturnType<typeof paragraph>[]): Y.Doc {
	const doc = new Y.Doc();
	prosemirrorJSONToYXmlFragment(schema, { type: 'doc', content: paragraphs }, doc.getXmlFragment(draftField));
	return doc;
}

function find(pm: ProseMirrorNode, words: string): { from: number; to: number } {
	const flat = pm.textBetween(0, pm.content.size, '\n', '\n');
	if (!flat.includes(words)) throw new Error(`"${words}" is not in the draft`);
	let found: { from: number; to: number } | null = null;
	pm.descendants((node, pos) => {
		if (found || !node.isText) return !found;
		const index = node.text!.indexOf(words);
		if (index >= 0) found = { from: pos + index, to: pos + index + words.length };
		return false;
	});
	if (!found) throw new Error(`"${words}" is not within one text node`);
	return found;
}

/** An anchor on [start of `first`, end of `last`), as the editor makes it from a selection. */
function anchorOn(doc: Y.Doc, first: string, last = first): EncodedRange {
	const fragment = doc.getXmlFragment(draftField);
	const { doc: pm, meta } = initProseMirrorDoc(fragment, schema);
	return encodeRange(fragment, meta.mapping, find(pm, first).from, find(pm, last).to);
}

const json = (doc: Y.Doc) => yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(draftField), schema).toJSON();
function plain(doc: Y.Doc): string {
	const pm = yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(draftField), schema);
	return pm.textBetween(0, pm.content.size, '\n');
}

describe('amendment passages', () => {
	it('replaces exactly the passage, in one transaction with the given origin, keeping its marks', () => {
		const doc = draft(
			paragraph(text('Art. 1.')),
			paragraph(text('Le scuole accolgono '), text('entro trenta giorni', ['bold']), text(' gli studenti.'))
		);
		const anchor = anchorOn(doc, 'trenta giorni');
		const origins: unknown[] = [];
		doc.on('afterTransaction', (transaction: Y.Transaction) => {
			if (transaction.changed.size > 0) origins.push(transaction.origin);
		});
		const origin = { amendment: 'a1' };
		expect(replacePassage(doc, anchor, 'trenta giorni', 'quindici giorni', origin)).toEqual({ ok: true, text: 'trenta giorni' });
		expect(origins).toEqual([origin]);
		expect(plain(doc)).toBe('Art. 1.\nLe scuole accolgono entro quindici giorni gli studenti.');
		const second = json(doc).content[1].content;
		expect(second[1]).toMatchObject({ text: 'entro quindici giorni', marks: [{ type: 'bold' }] });
	});

	it('refuses a passage whose text changed, or was deleted, and changes nothing', () => {
		const doc = draft(paragraph(text('I Comuni aderiscono entro marzo.')));
		const anchor = anchorOn(doc, 'entro marzo');
		const paragraphText = (doc.getXmlFragment(draftField).get(0) as Y.XmlElement).get(0) as Y.XmlText;
		paragraphText.insert('I Comuni aderiscono entro '.length, 'fine ');
		const before = Y.encodeStateVector(doc);
		expect(replacePassage(doc, anchor, 'entro marzo', 'entro aprile', null)).toEqual({
			ok: false,
			reason: 'changed',
			text: 'entro fine marzo'
		});
		expect(Y.encodeStateVector(doc)).toEqual(before);
		paragraphText.delete('I Comuni aderiscono '.length, 'entro fine marzo'.length);
		expect(checkPassage(doc, anchor, 'entro marzo', 'x')).toEqual({ ok: false, reason: 'deleted', text: null });
	});

	it('replaces a passage across paragraphs, with one line or several, and deletes with an empty replacement', () => {
		const doc = draft(paragraph(text('Primo comma: uno.')), paragraph(text('Secondo comma: due.')), paragraph(text('Terzo comma: tre.')));
		expect(replacePassage(doc, anchorOn(doc, 'uno.', 'Secondo'), 'uno. Secondo', 'uno e due', null).ok).toBe(true);
		expect(plain(doc)).toBe('Primo comma: uno e due comma: due.\nTerzo comma: tre.');
		expect(replacePassage(doc, anchorOn(doc, 'tre'), 'tre', 'tre;\nQuarto comma: quattro', null).ok).toBe(true);
		expect(plain(doc)).toBe('Primo comma: uno e due comma: due.\nTerzo comma: tre;\nQuarto comma: quattro.');
		expect(replacePassage(doc, anchorOn(doc, ' comma: due'), 'comma: due', '', null).ok).toBe(true);
		expect(plain(doc)).toBe('Primo comma: uno e due.\nTerzo comma: tre;\nQuarto comma: quattro.');
	});

	it('compares the quote as the editor takes it: trimmed, blocks joined by a space', () => {
		const doc = draft(paragraph(text('Uno due')), paragraph(text('tre quattro')));
		const anchor = anchorOn(doc, 'due', 'tre');
		expect(checkPassage(doc, anchor, ' due tre ', 'x')).toEqual({ ok: true, text: 'due tre' });
		expect(checkPassage(doc, anchor, 'due\ntre', 'x')).toMatchObject({ ok: false, reason: 'changed' });
	});
});
