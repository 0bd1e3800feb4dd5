import { fail, redirect } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { can } from '$lib/server/authz/policy.ts';
import { getDocument } from '$lib/server/documents/service.ts';
import { changeDocumentStatus, documentTransitions } from '$lib/server/documents/lifecycle.ts';
import { listApprovalPolls, openApprovalPoll } from '$lib/server/documents/approval.ts';
import { isAppError } from '$lib/server/errors.ts';
import { listMeetings } from '$lib/server/meetings/service.ts';
import { freezeVersion, listVersions, parseVersionNumber, restoreVersion } from '$lib/server/documents/versions.ts';
import { documentDeps } from '$lib/server/documents/deps.ts';
import { actorOnTable } from '$lib/server/authz/access.ts';
import { getTable } from '$lib/server/tables/service.ts';
import { failForm, formFields, signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	const { db } = getAppContext();
	try {
		const document = await getDocument(db, user, event.params.documentId);
		const [table, versions, actor] = await Promise.all([
			getTable(db, user, document.tableId),
			listVersions(db, user, document.id),
			actorOnTable(db, user, document.tableId)
		]);
		const source = document.source
			? await getDocument(db, user, document.source.documentId).then(
					(found) => ({ id: found.id, title: found.title, versionNumber: document.source!.versionNumber }),
					() => null
				)
			: null;
		const mayFinalize = can(actor, 'document.review') && documentTransitions[document.status].includes('final');
		return {
			document,
			approvalPolls: mayFinalize ? await listApprovalPolls(db, document.id) : [],
			// Where an approval poll may be opened: the table's meetings not yet closed.
			approvalMeetings:
				can(actor, 'document.review') && document.status !== 'final'
					? (await listMeetings(db, user, document.tableId))
							.filter((meeting) => meeting.status === 'planned' || meeting.status === 'live')
							.map((meeting) => ({ id: meeting.id, title: meeting.title, live: meeting.status === 'live' }))
					: [],
			table: { id: table.id, name: table.name },
			versions,
			source,
			transitions: documentTransitions[document.status],
			permissions: { review: can(actor, 'document.review'), restore: can(actor, 'document.create') }
		};
	} catch (err) {
		throwPageError(err, { forbidden: { message: m.table_not_member(), code: 'not_member' } });
	}
}) satisfies PageServerLoad;

export const actions = {
	status: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			const document = await changeDocumentStatus(documentDeps(event.url.origin), user, event.params.documentId, values);
			return { form: 'status', done: true, status: document.status };
		} catch (err) {
			const failure = failForm(err, 'status', values);
			// The text changed since the vote: the page links the comparison with the voted version.
			const votedVersion = isAppError(err) && err.code === 'approval_text_changed' ? err.details.extra?.votedVersion : undefined;
			return typeof votedVersion === 'number' ? fail(failure.status, { ...failure.data, votedVersion }) : failure;
		}
	},

	version: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			const version = await freezeVersion(documentDeps(), user, event.params.documentId, values);
			return { form: 'version', done: true, number: version.number };
		} catch (err) {
			return failForm(err, 'version', values);
		}
	},

	approvalPoll: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		try {
			const number = parseVersionNumber(values.version);
			const poll = await openApprovalPoll(getAppContext(), user, event.params.documentId, number, { meetingId: values.meetingId });
			return { form: `approval-${number}`, done: true, meetingId: poll.meetingId };
		} catch (err) {
			return failForm(err, `approval-${values.version ?? ''}`, values);
		}
	},

	restore: async (event) => {
		const user = signedInUser(event);
		const values = formFields(await event.request.formData());
		let restoredId: string;
		try {
			restoredId = (await restoreVersion(getAppContext().db, user, event.params.documentId, parseVersionNumber(values.version))).id;
		} catch (err) {
			return failForm(err, 'restore', values);
		}
		redirect(303, `/documents/${restoredId}`);
	}
} satisfies Actions;
