import { afterEach, describe, expect, it, vi } from 'vitest';
import { focusAfter, focusStayedOn, oneAtATime } from './focus.ts';

describe('focusStayedOn', () => {
	const body = { isConnected: true };
	const button = { isConnected: true };
	const other = { isConnected: true };

	it('holds while focus is on the control used, or fell to the page because it was removed', () => {
		expect(focusStayedOn(button, button, body)).toBe(true);
		expect(focusStayedOn(button, body, body)).toBe(true);
		expect(focusStayedOn(button, null, body)).toBe(true);
	});

	it('does not hold once the person moved elsewhere, or the control is gone but still reported', () => {
		expect(focusStayedOn(button, other, body)).toBe(false);
		expect(focusStayedOn(null, other, body)).toBe(false);
		expect(focusStayedOn({ isConnected: false }, button, body)).toBe(false);
	});
});

describe('oneAtATime', () => {
	it('ignores activations while the first is running, and reports busy around it', async () => {
		const states: boolean[] = [];
		let release = () => {};
		let calls = 0;
		const run = oneAtATime(
			() =>
				new Promise<string>((resolve) => {
					calls++;
					release = () => resolve('done');
				}),
			(on) => states.push(on)
		);
		const first = run();
		const second = run();
		expect(await second).toBeUndefined();
		release();
		expect(await first).toBe('done');
		expect(calls).toBe(1);
		expect(states).toEqual([true, false]);
		const third = run();
		release();
		expect(await third).toBe('done');
		expect(calls).toBe(2);
	});

	it('is free again after a failure', async () => {
		const states: boolean[] = [];
		const run = oneAtATime(
			() => Promise.reject(new Error('offline')),
			(on) => states.push(on)
		);
		await expect(run()).rejects.toThrow('offline');
		await expect(run()).rejects.toThrow('offline');
		expect(states).toEqual([true, false, true, false]);
	});
});

describe('focusAfter', () => {
	afterEach(() => vi.unstubAllGlobals());

	it('hands focus on only once the command succeeded, whether it answers an acknowledgement or a yes', async () => {
		const page = { body: { isConnected: true }, activeElement: null as unknown };
		vi.stubGlobal('document', page);
		const button = { isConnected: true };
		const link = {
			isConnected: true,
			focus: () => {
				page.activeElement = link;
			}
		};
		const to = vi.fn(() => link as unknown as HTMLElement);

		page.activeElement = button;
		for (const refusal of [false, null, { ok: false }]) expect(await focusAfter(Promise.resolve(refusal), to)).toBe(false);
		expect(to).not.toHaveBeenCalled();
		expect(page.activeElement).toBe(button);

		expect(await focusAfter(Promise.resolve(true), to)).toBe(true);
		expect(page.activeElement).toBe(link);
		page.activeElement = button;
		expect(await focusAfter(Promise.resolve({ ok: true }), to)).toBe(true);
		expect(page.activeElement).toBe(link);
	});
});
