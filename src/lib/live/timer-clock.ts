import type { SpeakerEntry, TimerState } from '$lib/realtime/protocol.ts';

/** Time a timer has run by `now` (the server's clock, as the room corrects it). */
export function timerElapsedMs(timer: TimerState, now: number): number {
	const running = timer.runningSince ? Math.max(0, now - Date.parse(timer.runningSince)) : 0;
	return timer.elapsedMs + running;
}

/** Positive while time is left, negative once the item runs over. */
export function timerRemainingMs(timer: TimerState, now: number): number {
	return timer.durationMs - timerElapsedMs(timer, now);
}

/** Speaking time of a person in this meeting: earlier turns plus the running one. */
export function spokenMs(entry: SpeakerEntry, now: number): number {
	const running = entry.status === 'speaking' && entry.startedAt ? Math.max(0, now - Date.parse(entry.startedAt)) : 0;
	return entry.spokenMs + running;
}

/** "4:05", "1:02:03": whole seconds, sign dropped (callers say "over time" in words). */
export function formatDuration(ms: number): string {
	const total = Math.floor(Math.abs(ms) / 1000);
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	const ss = String(s).padStart(2, '0');
	return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
