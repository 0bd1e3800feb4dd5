import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { can } from '$lib/server/authz/policy.ts';
import { getDocument } from '$lib/server/documents/service.ts';
import { getVersion, parseVersionNumber } from '$lib/server/documents/versions.ts';
import { actorOnTable } from '$lib/server/authz/access.ts';
import { getTable } from '$lib/server/tables/service.ts';
import { signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import type { PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	const { db } = getAppContext();
	try {
		const document = await getDocument(db, user, event.params.documentId);
		const version = await getVersion(db, user, document.id, parseVersionNumber(event.params.number));
		const [table, actor] = await Promise.all([getTable(db, user, document.tableId), actorOnTable(db, user, document.tableId)]);
		return {
			document: { id: document.id, title: document.title },
			table: { id: table.id, name: table.name },
			version,
			canRestore: can(actor, 'document.create')
		};
	} catch (err) {
		throwPageError(err, { forbidden: { message: m.table_not_member(), code: 'not_member' } });
	}
}) satisfies PageServerLoad;
