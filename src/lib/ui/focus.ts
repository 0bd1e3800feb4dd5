import { tick } from 'svelte';

/**
 * Where keyboard focus goes after an action in the room (WCAG 2.4.3), as a rule of the house:
 * a control that stays stays focused (it is kept enabled while its command is on the way, see
 * `busy`); a control that the action replaces hands its focus to what replaced it, once Svelte
 * has drawn it. The replacement often appears only when the server's new state arrives, before or
 * after the command's answer, so the hand-over waits for it (for a while).
 */

/** How long a hand-over waits for the replacing element to appear. */
const defaultPatienceMs = 10_000;
const stepMs = 50;

/**
 * Whether the person's focus is still where the action left it: on the control they used (still
 * on the page), or nowhere because that control was removed. Someone who moved on meanwhile keeps
 * their place.
 */
export function focusStayedOn(
	from: Pick<Element, 'isConnected'> | null,
	active: unknown = document.activeElement,
	body: unknown = document.body
): boolean {
	return !active || active === body || (from !== null && active === from && from.isConnected);
}

/**
 * Moves focus from `from` (the control just used) to the element `to` finds, as soon as it is on
 * the page, if focus is still where the action left it. Resolves true once focus has moved.
 */
export async function handFocus(
	from: Element | null,
	to: () => HTMLElement | null | undefined,
	{ patienceMs = defaultPatienceMs }: { patienceMs?: number } = {}
): Promise<boolean> {
	const until = Date.now() + patienceMs;
	for (;;) {
		await tick();
		if (!focusStayedOn(from)) return false;
		const target = to();
		// The control itself may be the target: a row moved in a list is taken off the page and put
		// back, and loses focus on the way.
		if (target?.isConnected && document.activeElement !== target) {
			target.focus();
			return document.activeElement === target;
		}
		if (Date.now() >= until) return false;
		await new Promise((resolve) => setTimeout(resolve, stepMs));
	}
}

/**
 * Runs `action` once at a time for a control that stays enabled while it works (a disabled
 * button drops its focus to <body>): a second activation meanwhile is ignored. `busy` tells the
 * control to show `aria-busy`/`aria-disabled`.
 */
export function oneAtATime<A extends unknown[], R>(
	action: (...args: A) => Promise<R>,
	busy: (on: boolean) => void
): (...args: A) => Promise<R | undefined> {
	let running = false;
	return async (...args: A) => {
		if (running) return undefined;
		running = true;
		busy(true);
		try {
			return await action(...args);
		} finally {
			running = false;
			busy(false);
		}
	};
}

/** What a command answers: the room's acknowledgement, a plain yes or no, or null when none came. */
export type CommandOutcome = { ok: boolean } | boolean | null | undefined;

/**
 * `handFocus` from the control focused now (the one just used), once `action` has succeeded: for
 * a command whose success takes its control away (a form that gives way to the link it made).
 */
export async function focusAfter(action: Promise<CommandOutcome>, to: () => HTMLElement | null | undefined): Promise<boolean> {
	const from = document.activeElement;
	const outcome = await action;
	if (!(typeof outcome === 'boolean' ? outcome : outcome?.ok)) return false;
	return handFocus(from, to);
}
