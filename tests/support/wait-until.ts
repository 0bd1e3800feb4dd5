import { vi } from 'vitest';

type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

/**
 * Waits until `check` returns something truthy (or a promise of it) and resolves with that value.
 * vi.waitFor underneath: a check every 20 ms, never two at once, for at most `timeoutMs` (what a
 * busy machine gets; the wait ends as soon as the check holds). The failure says what was awaited,
 * with `detail()` below it (computed once, on failure) and an error the check threw as its cause.
 */
export async function waitUntil<T>(
	check: () => T | Promise<T>,
	timeoutMs: number,
	what: string,
	detail?: () => string
): Promise<Truthy<T>> {
	const notYet = new Error(`not yet: ${what}`);
	try {
		// Outside vitest (the load scripts use the test support too) vi.waitFor has no state to run on.
		if (!process.env.VITEST) return await poll(check, timeoutMs, notYet);
		return await vi.waitFor(
			async () => {
				const value = await check();
				if (!value) throw notYet;
				return value as Truthy<T>;
			},
			{ timeout: timeoutMs, interval: 20 }
		);
	} catch (error) {
		const message = `timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`;
		throw error === notYet ? new Error(message) : new Error(message, { cause: error });
	}
}

/** vi.waitFor's loop, for a process that vitest does not run: one check at a time, every 20 ms. */
async function poll<T>(check: () => T | Promise<T>, timeoutMs: number, notYet: Error): Promise<Truthy<T>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		let failure: unknown = notYet;
		try {
			const value = await check();
			if (value) return value as Truthy<T>;
		} catch (error) {
			failure = error;
		}
		if (Date.now() >= deadline) throw failure;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}
