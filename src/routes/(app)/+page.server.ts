import { getAppContext } from '$lib/server/app-context.ts';
import { listTablesForUser } from '$lib/server/tables/service.ts';
import { signedInUser } from '$lib/forms/page-errors.server.ts';
import type { PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	return { tables: await listTablesForUser(getAppContext().db, user), isAdmin: user.isAdmin };
}) satisfies PageServerLoad;
