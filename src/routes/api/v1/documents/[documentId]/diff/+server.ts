import { json } from '@sveltejs/kit';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { compareVersions, parseVersionNumber } from '$lib/server/documents/versions.ts';
import { documentDeps } from '$lib/server/documents/deps.ts';
import type { RequestHandler } from './$types';

/** `?from=N&to=M` or `to=current` (the default): `{from, to, diff: {html, stat}}`. */
export const GET: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const query = event.url.searchParams;
	const to = query.get('to') ?? 'current';
	const from = parseVersionNumber(query.get('from'));
	return json(await compareVersions(documentDeps(), user, event.params.documentId, from, to === 'current' ? null : parseVersionNumber(to)));
});
