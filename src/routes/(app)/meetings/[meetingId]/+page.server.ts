import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { can } from '$lib/server/authz/policy.ts';
import { getMeeting } from '$lib/server/meetings/service.ts';
import { getTable } from '$lib/server/tables/service.ts';
import { findMinutes } from '$lib/server/minutes/service.ts';
import { signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import type { PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	const { db } = getAppContext();
	try {
		const meeting = await getMeeting(db, user, event.params.meetingId);
		const table = await getTable(db, user, meeting.tableId);
		const actor = { isAdmin: user.isAdmin, role: table.role };
		return {
			meeting,
			table: { id: table.id, name: table.name, categories: table.categories, expectedCategoryIds: table.expectedCategoryIds },
			// What the room offers this person; the server checks each command again.
			viewer: { canRun: can(actor, 'meeting.run'), canVote: can(actor, 'poll.vote'), canConvene: can(actor, 'meeting.create') },
			minutes: await findMinutes(db, meeting.id)
		};
	} catch (err) {
		throwPageError(err, { forbidden: { message: m.table_not_member(), code: 'not_member' } });
	}
}) satisfies PageServerLoad;
