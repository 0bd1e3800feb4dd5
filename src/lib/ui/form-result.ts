/**
 * What a form action hands back to its page: every action of the app tags its result with the
 * form it answers (`form`), so a page with several forms shows each message beside its own form.
 */
export interface FormResult {
	form?: string;
	message?: string;
	fields?: Record<string, string>;
	values?: Record<string, string>;
}

export function resultFor<T extends FormResult>(result: T | null | undefined, form: string): T | undefined {
	return result?.form === form ? result : undefined;
}
