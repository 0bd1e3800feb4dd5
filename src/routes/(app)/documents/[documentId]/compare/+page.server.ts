import { m } from '$lib/paraglide/messages.js';
import { getDocument } from '$lib/server/documents/service.ts';
import { compareVersions, listVersions, parseVersionNumber } from '$lib/server/documents/versions.ts';
import { documentDeps } from '$lib/server/documents/deps.ts';
import { signedInUser, throwPageError } from '$lib/forms/page-errors.server.ts';
import type { PageServerLoad } from './$types';

export const load = (async (event) => {
	const user = signedInUser(event);
	const deps = documentDeps();
	try {
		const document = await getDocument(deps.db, user, event.params.documentId);
		const query = event.url.searchParams;
		const to = query.get('to') ?? 'current';
		const comparison = await compareVersions(
			deps,
			user,
			document.id,
			parseVersionNumber(query.get('from')),
			to === 'current' ? null : parseVersionNumber(to)
		);
		return { document: { id: document.id, title: document.title }, comparison, versions: await listVersions(deps.db, user, document.id) };
	} catch (err) {
		throwPageError(err, { forbidden: { message: m.table_not_member(), code: 'not_member' } });
	}
}) satisfies PageServerLoad;
