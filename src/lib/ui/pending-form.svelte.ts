import type { SubmitFunction } from '@sveltejs/kit';

/**
 * The pending state of one enhanced form: `use:enhance={form.submit}` marks its submit button
 * busy while the request runs (SubmitButton keeps it enabled, so focus stays on it), then moves
 * focus to the first refused field so keyboard and screen reader users land on what needs fixing.
 */
export class PendingForm {
	pending = $state(false);
	readonly #reset: boolean;

	constructor(options: { reset?: boolean } = {}) {
		this.#reset = options.reset ?? true;
	}

	submit: SubmitFunction = () => {
		this.pending = true;
		return async ({ update, formElement }) => {
			try {
				await update({ reset: this.#reset });
			} finally {
				this.pending = false;
			}
			formElement.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
		};
	};
}
