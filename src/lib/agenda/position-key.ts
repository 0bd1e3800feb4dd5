/**
 * Order keys for agenda items (fractional indexing): a key is a base-36 fraction 0.d1d2d3…
 * written as its digits ("i" is 0.5, "0i" is 0.014), so plain string comparison is the order.
 * Moving an item writes one new key between its new neighbours' keys, and nothing else: the item
 * itself (its Y.Texts, what people are typing in them) stays where it is in the document.
 */

const digits = '0123456789abcdefghijklmnopqrstuvwxyz';
const base = digits.length;

/** Longest key: an agenda's keys are respaced (spreadKeys) before any grows past it. */
export const positionKeyMax = 32;

const keyPattern = new RegExp(`^[0-9a-z]{1,${positionKeyMax}}$`);

/** True for a key any reader may sort by and the server accepts. */
export function isPositionKey(value: unknown): value is string {
	return typeof value === 'string' && keyPattern.test(value);
}

const digitAt = (key: string, index: number) => (index < key.length ? digits.indexOf(key[index]) : 0);

/**
 * A key strictly between `before` and `after` (null: the start, the end), or null when there is
 * none to give: the two are equal (two people inserted at one place at the same time), out of
 * order, not keys, or the result would be longer than positionKeyMax. The caller then respaces.
 */
export function keyBetween(before: string | null, after: string | null): string | null {
	const low = before ?? '';
	if ((before !== null && !isPositionKey(before)) || (after !== null && !isPositionKey(after))) return null;
	if (after !== null && !(low < after)) return null;
	let key = '';
	// Walk the digits: copy the common prefix, then take a digit strictly between the two, or one
	// of the bounds' digits and keep going on the lower bound alone.
	let bounded = after !== null;
	for (let index = 0; index < positionKeyMax; index++) {
		const lowDigit = digitAt(low, index);
		const highDigit = bounded ? digitAt(after!, index) : base;
		if (bounded && index >= after!.length) return null;
		if (highDigit === lowDigit) {
			key += digits[lowDigit];
			continue;
		}
		if (highDigit - lowDigit > 1) return key + digits[Math.floor((lowDigit + highDigit) / 2)];
		// Adjacent digits: the upper bound's digit alone is already below `after` when more of it follows.
		if (bounded && index + 1 < after!.length) return key + digits[highDigit];
		key += digits[lowDigit];
		bounded = false;
	}
	return null;
}

/**
 * `count` keys in increasing order, evenly spread, each as short as it can be with room left
 * between them (at least 8 free places between neighbours).
 */
export function spreadKeys(count: number): string[] {
	let width = 1;
	while (base ** width < (count + 1) * 8) width += 1;
	const step = Math.floor(base ** width / (count + 1));
	return Array.from({ length: count }, (_, i) => ((i + 1) * step).toString(base).padStart(width, '0').replace(/0+$/, ''));
}
