import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { getMeeting } from '$lib/server/meetings/service.ts';
import { getConvocation, resetConvocation, saveConvocation } from '$lib/server/convocation/service.ts';
import { convocationDeps } from '$lib/server/convocation/deps.ts';
import { failForm, formFields, signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import { findTableHeading } from '$lib/server/tables/queries.ts';
import { listCategories } from '$lib/server/programmes/service.ts';
import { listPendingInvitations } from '$lib/server/invitations/service.ts';
import { categoryLabel } from '$lib/tables/labels.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	try {
		const meeting = await getMeeting(getAppContext().db, user, event.params.meetingId);
		const { db, convocationMaxExternal } = getAppContext();
		const convocation = await getConvocation(convocationDeps(event.url.origin), user, meeting.id);
		// For the recipients from outside the table: the programme's categories, and the pending
		// invitations with an address the coordinator may pick (their people get the letter too).
		const table = await findTableHeading(db, meeting.tableId);
		const [categories, pending] = await Promise.all([
			listCategories(db, table.programme_id),
			listPendingInvitations(db, user, meeting.tableId)
		]);
		return {
			meeting: { id: meeting.id, title: meeting.title, startsAt: meeting.startsAt, status: meeting.status },
			convocation,
			external: {
				max: convocationMaxExternal,
				categories: categories.map((c) => ({ id: c.id, label: categoryLabel(c) })),
				pending: pending
					.filter((i) => i.email !== null)
					.map((i) => ({ id: i.id, email: i.email!, name: i.name, role: i.role, categoryId: i.categoryId }))
			}
		};
	} catch (err) {
		throwPageError(err, { forbidden: { message: m.convocation_forbidden(), code: 'forbidden' } });
	}
}) satisfies PageServerLoad;

export const actions = {
	save: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			await saveConvocation(convocationDeps(event.url.origin), user, event.params.meetingId, values);
			return { form: 'letter', done: true, message: undefined };
		} catch (err) {
			return failForm(err, 'letter', values);
		}
	},

	reset: async (event) => {
		const user = signedInUser(event);
		try {
			await resetConvocation(convocationDeps(event.url.origin), user, event.params.meetingId);
			return { form: 'letter', done: true, reset: true, message: undefined };
		} catch (err) {
			return failForm(err, 'letter');
		}
	}
} satisfies Actions;
