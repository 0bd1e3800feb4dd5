import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { listNotifications, markNotificationsRead } from '$lib/server/notifications/service.ts';
import { failForm, formFields, signedInUser } from '$lib/forms/page-errors.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	const { db, notifications } = getAppContext();
	return { list: await listNotifications(db, user, notifications.listMax) };
}) satisfies PageServerLoad;

export const actions = {
	/** Every notification of the caller read. */
	readAll: async (event) => {
		const user = signedInUser(event);
		const { db, broadcaster } = getAppContext();
		try {
			await markNotificationsRead({ db, broadcaster }, user, {});
		} catch (err) {
			return failForm(err, 'readAll');
		}
		return { form: 'readAll', success: m.notif_marked_all() };
	},
	/** One notification read: `id`. */
	read: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		const { db, broadcaster } = getAppContext();
		try {
			await markNotificationsRead({ db, broadcaster }, user, { ids: [values.id ?? ''] });
		} catch (err) {
			return failForm(err, 'read', values);
		}
		return { form: 'read', success: m.notif_marked_one() };
	}
} satisfies Actions;
