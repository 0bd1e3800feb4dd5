import { m } from '$lib/paraglide/messages.js';
import { redirect } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { addCategory, createProgramme, listCategories, listProgrammes } from '$lib/server/programmes/service.ts';
import { createTable } from '$lib/server/tables/service.ts';
import { countOpenAccessibilityFeedback } from '$lib/server/accessibility/feedback.ts';
import { failForm, formFields, signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	const { db } = getAppContext();
	try {
		const programmes = await listProgrammes(db, user);
		const categories = await Promise.all(programmes.map((p) => listCategories(db, p.id)));
		return {
			programmes: programmes.map((p, i) => ({ ...p, categories: categories[i] })),
			openAccessibilityFeedback: await countOpenAccessibilityFeedback(db, user)
		};
	} catch (err) {
		throwPageError(err, { forbidden: { message: m.admin_forbidden(), code: 'forbidden' } });
	}
}) satisfies PageServerLoad;

export const actions = {
	createProgramme: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			await createProgramme(getAppContext().db, user, values);
			return { form: 'programme', done: true };
		} catch (err) {
			return failForm(err, 'programme', values);
		}
	},

	addCategory: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		const form = `category-${values.programmeId}`;
		try {
			await addCategory(getAppContext().db, user, values.programmeId ?? '', values);
			return { form, done: true };
		} catch (err) {
			return failForm(err, form, values);
		}
	},

	createTable: async (event) => {
		const user = signedInUser(event);
		const data = await event.request.formData();
		const values = formFields(data);
		let tableId: string;
		try {
			const table = await createTable(getAppContext().db, user, {
				...values,
				// Always sent, so unticking every box means "no expected category", not "all of them".
				expectedCategoryIds: data.getAll('expectedCategoryIds').filter((v) => typeof v === 'string')
			});
			tableId = table.id;
		} catch (err) {
			return failForm(err, 'table', values);
		}
		redirect(303, `/tables/${tableId}`);
	}
} satisfies Actions;
