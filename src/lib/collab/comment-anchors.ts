import * as Y from 'yjs';
import { fromBase64, toBase64 } from 'lib0/buffer';
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition } from '@tiptap/y-tiptap';

/** y-tiptap's map from Yjs types to the ProseMirror nodes built from them (its binding keeps it). */
export type AnchorMapping = Parameters<typeof absolutePositionToRelativePosition>[2];

/** A text range as two encoded Yjs relative positions (base64 of Y.encodeRelativePosition). */
export interface EncodedRange {
	from: string;
	to: string;
}

/**
 * y-tiptap ties a position inside text to the character before it (assoc -1). That suits the
 * end of a range — typing just after it does not stretch it — but the start should stay with the
 * character after it, so that typing just before a commented phrase stays outside the highlight.
 */
function stickToFollowingCharacter(doc: Y.Doc, position: Y.RelativePosition): Y.RelativePosition {
	const absolute = Y.createAbsolutePositionFromRelativePosition(position, doc);
	if (!absolute || !(absolute.type instanceof Y.XmlText)) return position;
	return Y.createRelativePositionFromTypeIndex(absolute.type, absolute.index, 0);
}

/** Encodes the ProseMirror range [from, to) of the editor bound to `fragment`. */
export function encodeRange(fragment: Y.XmlFragment, mapping: AnchorMapping, from: number, to: number): EncodedRange {
	const doc = fragment.doc;
	if (!doc) throw new Error('the fragment is not part of a Y.Doc');
	const start = stickToFollowingCharacter(doc, absolutePositionToRelativePosition(from, fragment, mapping));
	const end = absolutePositionToRelativePosition(to, fragment, mapping);
	return { from: toBase64(Y.encodeRelativePosition(start)), to: toBase64(Y.encodeRelativePosition(end)) };
}

function decode(encoded: string): Y.RelativePosition | null {
	try {
		return Y.decodeRelativePosition(fromBase64(encoded));
	} catch {
		return null;
	}
}

/**
 * Where an encoded range is now in the editor bound to `fragment`, or null when its text was
 * deleted entirely (the comment is then orphaned: still listed, no longer highlighted) or the
 * anchor cannot be read. `mapping` must be current: the binding's, after it applied the edits.
 */
export function resolveRange(fragment: Y.XmlFragment, mapping: AnchorMapping, range: EncodedRange): { from: number; to: number } | null {
	const doc = fragment.doc;
	const start = decode(range.from);
	const end = decode(range.to);
	if (!doc || !start || !end) return null;
	const from = relativePositionToAbsolutePosition(doc, fragment, start, mapping);
	const to = relativePositionToAbsolutePosition(doc, fragment, end, mapping);
	if (from === null || to === null || to <= from) return null;
	return { from, to };
}
