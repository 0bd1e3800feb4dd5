import { describe, expect, it } from 'vitest';
import { createCoalescer } from './broadcaster.ts';

describe('createCoalescer', () => {
	it('runs once now and once more after a burst, with the latest task', async () => {
		const runs: number[] = [];
		const coalescer = createCoalescer((error) => {
			throw error;
		});
		let release!: () => void;
		const gate = new Promise<void>((resolve) => (release = resolve));
		coalescer.schedule('k', async () => {
			runs.push(0);
			await gate;
		});
		for (let i = 1; i <= 50; i++) coalescer.schedule('k', async () => void runs.push(i));
		release();
		await coalescer.idle();
		expect(runs).toEqual([0, 50]);
	});

	it('keeps keys independent and survives a failing task', async () => {
		const errors: unknown[] = [];
		const coalescer = createCoalescer((error) => errors.push(error));
		const ran: string[] = [];
		coalescer.schedule('a', async () => {
			throw new Error('boom');
		});
		coalescer.schedule('b', async () => void ran.push('b'));
		await coalescer.idle();
		coalescer.schedule('a', async () => void ran.push('a'));
		await coalescer.idle();
		expect(ran).toEqual(['b', 'a']);
		expect(errors).toHaveLength(1);
	});
});
