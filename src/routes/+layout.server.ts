import { getAppContext } from '$lib/server/app-context.ts';
import { coordinatesAnyTable } from '$lib/server/tables/service.ts';
import { countUnread } from '$lib/server/notifications/service.ts';
import type { LayoutServerLoad } from './$types';

export const load = (async ({ locals }) => {
	const user = locals.user;
	if (!user) return { user: null };
	const { db } = getAppContext();
	const [coordinates, unreadNotifications] = await Promise.all([coordinatesAnyTable(db, user.id), countUnread(db, user.id)]);
	return {
		user: {
			id: user.id,
			name: user.name,
			email: user.email,
			isAdmin: user.isAdmin,
			// Decides whether the header offers the review dashboard.
			coordinates,
			// The header's bell; its live channel keeps it current afterwards.
			unreadNotifications
		}
	};
}) satisfies LayoutServerLoad;
