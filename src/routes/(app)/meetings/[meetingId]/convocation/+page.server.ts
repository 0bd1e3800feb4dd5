import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { getMeeting } from '$lib/server/meetings/service.ts';
import { getConvocation, resetConvocation, saveConvocation } from '$lib/server/convocation/service.ts';
import { convocationDeps } from '$lib/server/convocation/deps.ts';
import { failForm, formFields, signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	try {
		const meeting = await getMeeting(getAppContext().db, user, event.params.meetingId);
		const convocation = await getConvocation(convocationDeps(event.url.origin), user, meeting.id);
		return { meeting: { id: meeting.id, title: meeting.title, startsAt: meeting.startsAt, status: meeting.status }, convocation };
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
