import * as Y from 'yjs';
import { getSchema } from '@tiptap/core';
import { Fragment, Slice, type Node as ProseMirrorNode } from '@tiptap/pm/model';
import { EditorState } from '@tiptap/pm/state';
import { initProseMirrorDoc, updateYFragment } from '@tiptap/y-tiptap';
import { resolveRange, type EncodedRange } from '../collab/comment-anchors.ts';
import { draftExtensions, draftField } from '../documents/extensions.ts';

/**
 * The passage an amendment replaces, read and rewritten in a draft's Y.Doc the way the editor
 * does: the anchor is resolved through y-tiptap's mapping (comment-anchors.ts), the text compared
 * as the editor quotes a selection (comment-highlights.ts `anchorOfSelection`), and the change made
 * as a ProseMirror replace written back with y-tiptap's `updateYFragment`, which touches only what
 * differs (the characters of the passage), exactly as a person typing in the editor would.
 */
const schema = getSchema(draftExtensions());

/** The text of [from, to) as the editor quotes a selection: blocks joined by a space, trimmed. */
export function quoteOf(doc: ProseMirrorNode, from: number, to: number): string {
	return doc.textBetween(from, to, ' ').trim();
}

/** True when [at, at + 1) holds no visible character (white space, or a block boundary). */
function blank(doc: ProseMirrorNode, at: number): boolean {
	return doc.textBetween(at, at + 1, ' ').trim() === '';
}

export interface LocatedPassage {
	doc: ProseMirrorNode;
	fragment: Y.XmlFragment;
	meta: ReturnType<typeof initProseMirrorDoc>['meta'];
	/** The passage, narrowed to its quoted text: white space at either end stays in the document. */
	from: number;
	to: number;
	text: string;
}

/** Where the anchor is now in `ydoc`, and the text there; null when its text was deleted entirely. */
export function locatePassage(ydoc: Y.Doc, anchor: EncodedRange): LocatedPassage | null {
	const fragment = ydoc.getXmlFragment(draftField);
	const { doc, meta } = initProseMirrorDoc(fragment, schema);
	const range = resolveRange(fragment, meta.mapping, anchor);
	if (!range) return null;
	let from = range.from;
	let to = Math.min(range.to, doc.content.size);
	while (from < to && blank(doc, from)) from += 1;
	while (to > from && blank(doc, to - 1)) to -= 1;
	if (to <= from) return null;
	return { doc, fragment, meta, from, to, text: doc.textBetween(from, to, ' ') };
}

/** The replacement's lines: one line is inline text, several become paragraphs, none deletes. */
export function replacementLines(replacement: string): string[] {
	return replacement
		.split(/\r?\n/)
		.map((line) => line.trim())
		.filter((line) => line !== '');
}

/**
 * The document with [from, to) replaced, keeping the marks of the passage's start (bold stays
 * bold); null when ProseMirror cannot fit it there (the schema refuses the result).
 */
export function replacedDocument(doc: ProseMirrorNode, from: number, to: number, replacement: string): ProseMirrorNode | null {
	const lines = replacementLines(replacement);
	const tr = EditorState.create({ doc }).tr;
	try {
		if (lines.length === 0) {
			// A deleted passage takes one space beside it along, or "a b c" would become "a  c".
			const before = from > 0 ? doc.textBetween(from - 1, from) : '';
			const after = to < doc.content.size ? doc.textBetween(to, to + 1) : '';
			if (before === ' ' && (after === '' || /^[\s.,;:!?)»]$/.test(after))) tr.delete(from - 1, to);
			else if (after === ' ') tr.delete(from, to + 1);
			else tr.delete(from, to);
		} else if (lines.length === 1) tr.insertText(lines[0], from, to);
		else {
			const $from = doc.resolve(from);
			const marks = $from.marksAcross(doc.resolve(to)) ?? $from.marks();
			const paragraphs = lines.map((line) => doc.type.schema.nodes.paragraph.create(null, doc.type.schema.text(line, marks)));
			// Open on both sides: the first line joins the text before the passage, the last the text after it.
			tr.replace(from, to, new Slice(Fragment.from(paragraphs), 1, 1));
		}
		tr.doc.check();
		return tr.doc;
	} catch {
		return null;
	}
}

export type PassageCheck = { ok: true; text: string } | { ok: false; reason: 'deleted' | 'changed' | 'unfit'; text: string | null };

/**
 * Whether `replacement` can replace the passage at `anchor` now: its text must still be `quote`
 * (after trimming, as quoted), and ProseMirror must be able to fit the replacement there.
 */
export function checkPassage(ydoc: Y.Doc, anchor: EncodedRange, quote: string, replacement: string): PassageCheck {
	const passage = locatePassage(ydoc, anchor);
	if (!passage) return { ok: false, reason: 'deleted', text: null };
	if (passage.text !== quote.trim()) return { ok: false, reason: 'changed', text: passage.text };
	if (!replacedDocument(passage.doc, passage.from, passage.to, replacement)) return { ok: false, reason: 'unfit', text: passage.text };
	return { ok: true, text: passage.text };
}

/**
 * Replaces the passage in ONE Yjs transaction with `origin`, if its text is still `quote`; the
 * check and the change happen in the same transaction, so nothing can come in between on this
 * replica. Returns what it found, as `checkPassage`.
 */
export function replacePassage(ydoc: Y.Doc, anchor: EncodedRange, quote: string, replacement: string, origin: unknown): PassageCheck {
	let result: PassageCheck = { ok: false, reason: 'deleted', text: null };
	ydoc.transact(() => {
		const passage = locatePassage(ydoc, anchor);
		if (!passage) return;
		if (passage.text !== quote.trim()) {
			result = { ok: false, reason: 'changed', text: passage.text };
			return;
		}
		const next = replacedDocument(passage.doc, passage.from, passage.to, replacement);
		if (!next) {
			result = { ok: false, reason: 'unfit', text: passage.text };
			return;
		}
		updateYFragment(ydoc, passage.fragment, next, passage.meta);
		result = { ok: true, text: passage.text };
	}, origin);
	return result;
}
