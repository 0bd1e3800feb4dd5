import { redirect } from '@sveltejs/kit';
import { loginPath } from '$lib/forms/page-errors.server.ts';
import { getAppContext } from '$lib/server/app-context.ts';
import { organizationIncomplete } from '$lib/server/organization/setup.ts';
import type { LayoutServerLoad } from './$types';

/**
 * Signed-out visitors go to the login page and come back afterwards. Page loads run alongside
 * this one, so each of them also asks `signedInUser()` before touching data. An admin of an
 * install whose organisation has no name or place yet is asked to complete it on every page.
 */
export const load = (async ({ locals, url }) => {
	if (!locals.user) redirect(303, loginPath(url));
	return { organizationIncomplete: locals.user.isAdmin && (await organizationIncomplete(getAppContext().db)) };
}) satisfies LayoutServerLoad;
