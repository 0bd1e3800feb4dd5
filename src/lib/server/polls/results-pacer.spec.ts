import { afterEach, describe, expect, it, vi } from 'vitest';
import { createResultsPacer, memoryBallotCounter } from './results-pacer.ts';

afterEach(() => {
	vi.useRealTimers();
});

describe('createResultsPacer', () => {
	it('publishes at every full batch, never after a single ballot', async () => {
		const pacer = createResultsPacer({ batch: 3, intervalMs: 60_000 });
		const publish = vi.fn();
		await pacer.note('p', publish);
		await pacer.note('p', publish);
		expect(publish).not.toHaveBeenCalled();
		await pacer.note('p', publish);
		expect(publish).toHaveBeenCalledTimes(1);
		for (let i = 0; i < 3; i += 1) await pacer.note('p', publish);
		expect(publish).toHaveBeenCalledTimes(2);
		pacer.stop();
	});

	it('publishes two or more pending ballots after the interval, but holds a lone one back', async () => {
		vi.useFakeTimers();
		const pacer = createResultsPacer({ batch: 5, intervalMs: 1000 });
		const publish = vi.fn();
		await pacer.note('lone', publish);
		vi.advanceTimersByTime(5000);
		expect(publish).not.toHaveBeenCalled();
		await pacer.note('lone', publish);
		vi.advanceTimersByTime(999);
		expect(publish).not.toHaveBeenCalled();
		vi.advanceTimersByTime(1);
		expect(publish).toHaveBeenCalledTimes(1);
		pacer.stop();
	});

	it('forgets a closed poll: its pending ballots are not published later, and its count starts again', async () => {
		vi.useFakeTimers();
		const counter = memoryBallotCounter();
		const pacer = createResultsPacer({ batch: 3, intervalMs: 1000, counter });
		const publish = vi.fn();
		await pacer.note('p', publish);
		await pacer.note('p', publish);
		await pacer.forget('p');
		vi.advanceTimersByTime(5000);
		expect(publish).not.toHaveBeenCalled();
		expect(await counter.increment('p')).toBe(1);
		pacer.stop();
	});

	it('counts the batch across nodes that share a counter', async () => {
		const counter = memoryBallotCounter();
		const [a, b] = [
			createResultsPacer({ batch: 2, intervalMs: 60_000, counter }),
			createResultsPacer({ batch: 2, intervalMs: 60_000, counter })
		];
		const [publishA, publishB] = [vi.fn(), vi.fn()];
		await a.note('p', publishA);
		await b.note('p', publishB);
		expect(publishA).not.toHaveBeenCalled();
		expect(publishB).toHaveBeenCalledTimes(1);
		a.stop();
		b.stop();
	});
});
