import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { getDocument } from '$lib/server/documents/service.ts';
import { getTable } from '$lib/server/tables/service.ts';
import { signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import type { PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	const { db } = getAppContext();
	try {
		const document = await getDocument(db, user, event.params.documentId);
		const table = await getTable(db, user, document.tableId);
		return { document, table: { id: table.id, name: table.name } };
	} catch (err) {
		throwPageError(err, { forbidden: { message: m.table_not_member(), code: 'not_member' } });
	}
}) satisfies PageServerLoad;
