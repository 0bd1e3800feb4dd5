import type * as Y from 'yjs';

/**
 * Applies the change from `before` to `after` to a Y.Text as one delete and one insert between
 * their common prefix and suffix, so a textarea's whole new value merges with other people's
 * concurrent typing instead of replacing it.
 */
export function applyTextChange(text: Y.Text, before: string, after: string): void {
	if (before === after) return;
	let start = 0;
	const shortest = Math.min(before.length, after.length);
	while (start < shortest && before[start] === after[start]) start++;
	let endBefore = before.length;
	let endAfter = after.length;
	while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
		endBefore--;
		endAfter--;
	}
	text.doc!.transact(() => {
		if (endBefore > start) text.delete(start, endBefore - start);
		if (endAfter > start) text.insert(start, after.slice(start, endAfter));
	});
}
