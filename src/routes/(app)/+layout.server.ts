import { redirect } from '@sveltejs/kit';
import { loginPath } from '$lib/forms/page-errors.server.ts';
import type { LayoutServerLoad } from './$types';

/**
 * Signed-out visitors go to the login page and come back afterwards. Page loads run alongside
 * this one, so each of them also asks `signedInUser()` before touching data.
 */
export const load = (({ locals, url }) => {
	if (!locals.user) redirect(303, loginPath(url));
	return {};
}) satisfies LayoutServerLoad;
