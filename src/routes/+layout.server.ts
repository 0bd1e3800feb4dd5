import { getAppContext } from '$lib/server/app-context.ts';
import { coordinatesAnyTable } from '$lib/server/tables/service.ts';
import type { LayoutServerLoad } from './$types';

export const load = (async ({ locals }) => {
	const user = locals.user;
	if (!user) return { user: null };
	return {
		user: {
			id: user.id,
			name: user.name,
			email: user.email,
			isAdmin: user.isAdmin,
			// Decides whether the header offers the review dashboard.
			coordinates: await coordinatesAnyTable(getAppContext().db, user.id)
		}
	};
}) satisfies LayoutServerLoad;
