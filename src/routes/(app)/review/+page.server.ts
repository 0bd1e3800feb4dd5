import { changeDocumentStatus } from '$lib/server/documents/lifecycle.ts';
import { reviewDashboard } from '$lib/server/documents/review.ts';
import { documentDeps } from '$lib/server/documents/deps.ts';
import { failForm, formFields, signedInUser } from '$lib/forms/page-errors.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	return { dashboard: await reviewDashboard(documentDeps(), user) };
}) satisfies PageServerLoad;

export const actions = {
	/** Finalize or send back a document from the desk: `documentId`, `status`. */
	status: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		const form = `status-${values.documentId}`;
		try {
			const document = await changeDocumentStatus(documentDeps(event.url.origin), user, values.documentId ?? '', { status: values.status });
			return { form, done: true, status: document.status, title: document.title };
		} catch (err) {
			return failForm(err, form, values);
		}
	}
} satisfies Actions;
