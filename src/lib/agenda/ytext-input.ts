import * as Y from 'yjs';
import type { ActionReturn } from 'svelte/action';

/**
 * A plain `<input>` or `<textarea>` bound to a Y.Text, so several people type in one field at
 * once (issue 12: a remote change re-set the whole value and the caret jumped to the end).
 *
 * - Local typing goes to the Y.Text as the smallest change ending at the caret (diffAtCaret): a
 *   keystroke is one insert where it was typed, so concurrent typing merges by character.
 * - A remote change (or an undo) sets the new value and moves the caret and the selection through
 *   the change's delta (mapSelection): text inserted or deleted before the caret shifts it, text
 *   inserted exactly at the caret goes after it, so each person keeps typing after their own
 *   last character and two people typing at one spot never interleave.
 *
 * The pure parts (diffAtCaret, mapPosition, mapSelection) are tested in ytext-input.spec.ts.
 */

/** One operation of a Y.Text event's delta (Quill's format). */
export interface DeltaOp {
	insert?: string | object;
	retain?: number;
	delete?: number;
}

/** Where position `position` of the old text is after `delta`; text inserted exactly there goes after it. */
export function mapPosition(delta: readonly DeltaOp[], position: number): number {
	let index = 0;
	let mapped = position;
	for (const op of delta) {
		if (index > position) break;
		if (op.retain !== undefined) index += op.retain;
		else if (op.insert !== undefined) {
			if (index < position) mapped += typeof op.insert === 'string' ? op.insert.length : 1;
		} else if (op.delete !== undefined) {
			if (index < position) mapped -= Math.min(op.delete, position - index);
			index += op.delete;
		}
	}
	return Math.max(0, mapped);
}

export interface Selection {
	start: number;
	end: number;
}

/** A selection of the old text, carried through `delta` (a collapsed one is a caret). */
export function mapSelection(delta: readonly DeltaOp[], start: number, end: number): Selection {
	const from = mapPosition(delta, start);
	return { start: from, end: Math.max(from, mapPosition(delta, end)) };
}

/** The change that turns one value into another: remove `remove` characters at `index`, then insert `insert`. */
export interface TextChange {
	index: number;
	remove: number;
	insert: string;
}

/**
 * The change from `before` to `after`, an input's value before and after one input event, with the
 * caret at `caret` after it: the changed part ends at the caret (typing, pasting, deleting all put
 * it there), which settles what a plain prefix/suffix diff cannot ("a|x" + "x" → "ax|x": the x
 * went at 1, not at 2). Falls back to the common prefix and suffix when the caret does not fit.
 * Null when nothing changed.
 */
export function diffAtCaret(before: string, after: string, caret: number | null): TextChange | null {
	if (before === after) return null;
	if (caret !== null && caret >= 0 && caret <= after.length) {
		const tail = after.length - caret;
		if (tail <= before.length && before.slice(before.length - tail) === after.slice(caret)) {
			const beforeEnd = before.length - tail;
			const limit = Math.min(caret, beforeEnd);
			let start = 0;
			while (start < limit && before[start] === after[start]) start++;
			return { index: start, remove: beforeEnd - start, insert: after.slice(start, caret) };
		}
	}
	let start = 0;
	const shortest = Math.min(before.length, after.length);
	while (start < shortest && before[start] === after[start]) start++;
	let endBefore = before.length;
	let endAfter = after.length;
	while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
		endBefore--;
		endAfter--;
	}
	return { index: start, remove: endBefore - start, insert: after.slice(start, endAfter) };
}

export function applyChange(text: Y.Text, change: TextChange, origin: unknown): void {
	text.doc!.transact(() => {
		if (change.remove > 0) text.delete(change.index, change.remove);
		if (change.insert) text.insert(change.index, change.insert);
	}, origin);
}

type TextField = HTMLInputElement | HTMLTextAreaElement;

/**
 * Binds `field` to `text`: the field shows the text, typing changes it (as `origin`), remote
 * changes keep the caret. Returns the unbinding.
 */
export function bindTextInput(field: TextField, text: Y.Text, origin: unknown): () => void {
	/** The value the field and the text agree on. */
	let known = text.toString();
	if (field.value !== known) field.value = known;
	const onInput = () => {
		const value = field.value;
		const change = diffAtCaret(known, value, field.selectionEnd);
		known = value;
		if (change) applyChange(text, change, origin);
	};
	const onText = (event: Y.YTextEvent) => {
		const value = text.toString();
		// This field's own typing: already shown.
		if (value === field.value) {
			known = value;
			return;
		}
		const focused = field.ownerDocument.activeElement === field;
		const { selectionStart, selectionEnd, selectionDirection } = field;
		field.value = value;
		known = value;
		if (focused && selectionStart !== null && selectionEnd !== null) {
			const next = mapSelection(event.delta as DeltaOp[], selectionStart, selectionEnd);
			field.setSelectionRange(next.start, next.end, selectionDirection ?? undefined);
		}
	};
	field.addEventListener('input', onInput);
	text.observe(onText);
	return () => {
		field.removeEventListener('input', onInput);
		text.unobserve(onText);
	};
}

export interface MapFieldParams {
	map: Y.Map<unknown>;
	key: string;
	/** The transaction origin of this browser's edits (its undo manager tracks it). */
	origin: unknown;
}

/**
 * Svelte action: binds a field to the Y.Text held by `map` under `key`, following the map when the
 * key gets another Y.Text. A plain string there (an agenda saved before issue 12, or written by an
 * older client) is shown read-only, never converted here: two browsers converting it on their first
 * edit at once each wrote a Y.Text of their own and one person's typing was lost. The server turns
 * such a string into a Y.Text when it loads the agenda and after any update that writes one
 * (server/yjs/agenda-upgrade.ts), and the map's change then binds the field.
 */
export function ytextField(field: TextField, params: MapFieldParams): ActionReturn<MapFieldParams> {
	let current = params;
	let unbind = () => {};
	const bind = () => {
		unbind();
		const value = current.map.get(current.key);
		if (value instanceof Y.Text) {
			field.readOnly = false;
			unbind = bindTextInput(field, value, current.origin);
			return;
		}
		field.value = typeof value === 'string' ? value : '';
		field.readOnly = true;
		unbind = () => (field.readOnly = false);
	};
	const onMap = (event: Y.YMapEvent<unknown>) => {
		if (event.keysChanged.has(current.key)) bind();
	};
	current.map.observe(onMap);
	bind();
	return {
		update(next) {
			if (next.map === current.map && next.key === current.key && next.origin === current.origin) return;
			current.map.unobserve(onMap);
			current = next;
			current.map.observe(onMap);
			bind();
		},
		destroy() {
			unbind();
			current.map.unobserve(onMap);
		}
	};
}
