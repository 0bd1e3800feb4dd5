import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { AppError } from '$lib/server/errors.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { readOrganizationLogo, removeOrganizationLogo, setOrganizationLogo } from '$lib/server/organization/service.ts';
import type { RequestHandler } from './$types';

/** The logo, for anyone signed in (it heads the organisation's letters). */
export const GET: RequestHandler = apiRoute(async (event) => {
	requireUser(event);
	const logo = await readOrganizationLogo(getAppContext().db);
	if (!logo) throw new AppError('not_found');
	return new Response(new Uint8Array(logo.bytes), {
		headers: {
			'content-type': logo.contentType,
			'content-length': String(logo.bytes.byteLength),
			// An SVG opened on its own runs nothing and loads nothing.
			'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
			'x-content-type-options': 'nosniff',
			'cache-control': 'private, no-cache'
		}
	});
});

/** Multipart `file`: a PNG or an SVG (admins). */
export const PUT: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const { db, logoMaxBytes } = getAppContext();
	// A declared length past the limit is refused before the body is read.
	if (Number(event.request.headers.get('content-length') ?? 0) > logoMaxBytes + 64 * 1024) throw new AppError('payload_too_large');
	const form = await event.request.formData().catch(() => {
		throw new AppError('validation_failed', { fields: { file: 'required' } });
	});
	return json(await setOrganizationLogo(db, user, form.get('file'), logoMaxBytes));
});

/** Letters and exports go out without a logo (admins). */
export const DELETE: RequestHandler = apiRoute(async (event) => {
	await removeOrganizationLogo(getAppContext().db, requireUser(event));
	return new Response(null, { status: 204 });
});
