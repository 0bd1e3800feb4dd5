import { describe, expect, it } from 'vitest';
import { isOwnEntry } from './streams.ts';

/** Entries as ioredis's xreadBuffer hands them over: a flat list of field names and values. */
const entry = (...fields: string[]) => fields.map((f) => Buffer.from(f));

describe('isOwnEntry', () => {
	const own = Buffer.from('0b6f1f8e-6b1c-4f4e-9a55-6f1f4e2f0a11');
	it("is true for this node's entries only, written with the node id first", () => {
		expect(isOwnEntry(entry('n', own.toString(), 't', '1', 'k', 'update', 'd', 'x'), own)).toBe(true);
		expect(isOwnEntry(entry('n', '9b6f1f8e-6b1c-4f4e-9a55-6f1f4e2f0a11', 't', '1'), own)).toBe(false);
		// The same id in another field, a prefix of it, or no fields at all: not this node's.
		expect(isOwnEntry(entry('k', own.toString(), 'n', 'other'), own)).toBe(false);
		expect(isOwnEntry(entry('n', own.toString().slice(0, 10)), own)).toBe(false);
		expect(isOwnEntry(entry('w', '1'), own)).toBe(false);
		expect(isOwnEntry([], own)).toBe(false);
	});
});
