import { redirect } from '@sveltejs/kit';
import { cookieMaxAge, cookieName, isLocale } from '$lib/paraglide/runtime.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { safeRedirectPath } from '$lib/server/http/redirect-path.ts';
import type { RequestHandler } from './$types';

/**
 * Remembers the chosen language in paraglide's cookie. Not HttpOnly: paraglide reads the same
 * cookie in the browser, so the hydrated page speaks the language the server rendered.
 */
export const POST: RequestHandler = async ({ request, cookies, url }) => {
	const data = await request.formData();
	const locale = data.get('locale');
	if (typeof locale === 'string' && isLocale(locale)) {
		cookies.set(cookieName, locale, {
			path: '/',
			maxAge: cookieMaxAge,
			httpOnly: false,
			sameSite: 'lax',
			secure: getAppContext().secureCookies
		});
	}
	redirect(303, safeRedirectPath(data.get('redirectTo'), url.origin));
};
