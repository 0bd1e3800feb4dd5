import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';

/**
 * The entry of the worker threads that diff and export documents (src/lib/server/heavy-work.ts).
 * The adapter in svelte.config.js builds it to build/heavy-worker.js; tinypool calls its default
 * export with each task.
 */
export { runHeavyTask as default } from '../src/lib/documents/heavy-tasks.ts';

/**
 * This thread yields the CPU to the event loop: on a machine with as many cores as busy workers,
 * an export at normal priority takes CPU time from /healthz, votes and edits. Linux schedules
 * threads by their own id, which /proc/thread-self names, and anyone may lower a thread's
 * priority (piscina's `niceIncrement` does the same). Elsewhere the thread keeps its priority.
 */
function lowerThreadPriority(): void {
	let threadId: number;
	try {
		threadId = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
	} catch {
		return; // not Linux: no per-thread priority to set
	}
	if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, constants.priority.PRIORITY_BELOW_NORMAL);
}

lowerThreadPriority();
