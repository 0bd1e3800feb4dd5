import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { exportDocument } from '$lib/server/documents/exports.ts';
import { documentDeps } from '$lib/server/documents/deps.ts';
import type { RequestHandler } from './$types';

/** `?format=docx|pdf|md[&version=N]`: a download (any member). */
export const GET: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const file = await exportDocument(documentDeps(), user, event.params.documentId, event.url.searchParams);
	return new Response(new Uint8Array(file.body), {
		headers: {
			'content-type': file.contentType,
			'content-length': String(file.body.byteLength),
			// RFC 6266 / RFC 5987: an ASCII fallback plus the UTF-8 name.
			'content-disposition': `attachment; filename="${file.filename}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
			'cache-control': 'private, no-store'
		}
	});
});
