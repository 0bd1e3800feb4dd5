import type { LayoutServerLoad } from './$types';

export const load = (({ locals }) => {
	return { user: locals.user ? { id: locals.user.id, name: locals.user.name, email: locals.user.email, isAdmin: locals.user.isAdmin } : null };
}) satisfies LayoutServerLoad;
