import { afterEach, describe, expect, it } from 'vitest';
import { scrollBehavior } from './motion.ts';

/** The browser's answer to a media query, as `matchMedia` gives it, for the query asked. */
function preferring(reduce: boolean) {
	globalThis.matchMedia = ((query: string) => ({ matches: reduce && query === '(prefers-reduced-motion: reduce)' })) as typeof matchMedia;
}

describe('scrollBehavior', () => {
	afterEach(() => {
		delete (globalThis as { matchMedia?: unknown }).matchMedia;
	});

	it('scrolls smoothly by default', () => {
		preferring(false);
		expect(scrollBehavior()).toBe('smooth');
	});

	it('jumps when the person asked for less motion', () => {
		preferring(true);
		expect(scrollBehavior()).toBe('auto');
	});

	it('answers on the server too, where there is no window to ask', () => {
		expect(scrollBehavior()).toBe('smooth');
	});
});
