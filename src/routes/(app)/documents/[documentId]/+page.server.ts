import { redirect } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { can } from '$lib/server/authz/policy.ts';
import { getDocument } from '$lib/server/documents/service.ts';
import { changeDocumentStatus, documentTransitions, listApprovalPolls } from '$lib/server/documents/lifecycle.ts';
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
			approvalPolls: mayFinalize ? await listApprovalPolls(db, document.tableId) : [],
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
			const document = await changeDocumentStatus(documentDeps(), user, event.params.documentId, values);
			return { form: 'status', done: true, status: document.status };
		} catch (err) {
			return failForm(err, 'status', values);
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
