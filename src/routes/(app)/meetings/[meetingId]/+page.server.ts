import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { can } from '$lib/server/authz/policy.ts';
import { getMeeting } from '$lib/server/meetings/service.ts';
import { cancelMeeting, updateMeeting } from '$lib/server/meetings/changes.ts';
import { meetingChangeDeps } from '$lib/server/meetings/change-deps.ts';
import { getTable } from '$lib/server/tables/service.ts';
import { findMinutes } from '$lib/server/minutes/service.ts';
import { romeLocalToIso } from '$lib/meetings/rome-time.ts';
import { failForm, formFields, signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	const { db } = getAppContext();
	try {
		const meeting = await getMeeting(db, user, event.params.meetingId);
		const table = await getTable(db, user, meeting.tableId);
		const actor = { isAdmin: user.isAdmin, role: table.role };
		return {
			meeting,
			table: {
				id: table.id,
				name: table.name,
				categories: table.categories,
				expectedCategoryIds: table.expectedCategoryIds,
				// Who may own a commitment recorded in the room (no e-mail addresses: names and bodies only).
				members: table.members.map((member) => ({ userId: member.userId, name: member.name, representedBody: member.representedBody }))
			},
			// What the room offers this person; the server checks each command again.
			viewer: { canRun: can(actor, 'meeting.run'), canVote: can(actor, 'poll.vote'), canConvene: can(actor, 'meeting.create') },
			minutes: await findMinutes(db, meeting.id)
		};
	} catch (err) {
		throwPageError(err, { forbidden: { message: m.table_not_member(), code: 'not_member' } });
	}
}) satisfies PageServerLoad;

export const actions = {
	/** The coordinator's edit form: Rome wall-clock date and times, as when the meeting was scheduled. */
	editMeeting: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		const { date = '', startTime = '', endTime = '' } = values;
		const input = {
			title: values.title,
			videoUrl: values.videoUrl ?? '',
			startsAt: romeLocalToIso(date, startTime) ?? 'invalid',
			endsAt: romeLocalToIso(date, endTime) ?? 'invalid'
		};
		try {
			const change = await updateMeeting(meetingChangeDeps(event.url.origin), user, event.params.meetingId, input);
			return { form: 'edit-meeting', done: true, notified: change.notified };
		} catch (err) {
			const failure = failForm(err, 'edit-meeting', values, { startsAt: 'startTime', endsAt: 'endTime' });
			if (!romeLocalToIso(date, '00:00') && failure.data.fields.startTime) failure.data.fields.date = failure.data.fields.startTime;
			return failure;
		}
	},

	cancelMeeting: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			const change = await cancelMeeting(meetingChangeDeps(event.url.origin), user, event.params.meetingId, {
				reason: values.reason ?? ''
			});
			return { form: 'cancel-meeting', done: true, notified: change.notified };
		} catch (err) {
			return failForm(err, 'cancel-meeting', values);
		}
	}
} satisfies Actions;
