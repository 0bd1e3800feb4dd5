import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { auditFilterInput, listAudit } from '$lib/server/audit/service.ts';
import { getTable } from '$lib/server/tables/service.ts';
import { signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import type { PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	const { db } = getAppContext();
	const query = Object.fromEntries(event.url.searchParams);
	try {
		const events = await listAudit(db, user, event.params.tableId, query);
		const table = await getTable(db, user, event.params.tableId);
		return { table: { id: table.id, name: table.name }, events, filter: auditFilterInput.parse(query) };
	} catch (err) {
		throwPageError(err, { forbidden: { message: m.audit_forbidden(), code: 'forbidden' } });
	}
}) satisfies PageServerLoad;
