import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { pollCsvFile } from '$lib/server/polls/results-export.ts';
import type { RequestHandler } from './$types';

/** The poll's question, counting method and results as CSV (`;`-separated, UTF-8 with BOM); whoever may read its results. */
export const GET: RequestHandler = apiRoute(async (event) => {
	const file = await pollCsvFile(getAppContext().db, requireUser(event), event.params.pollId);
	// The byte-order mark makes spreadsheet programs read the file as UTF-8 (accents intact).
	const body = new TextEncoder().encode(`\uFEFF${file.body}`);
	return new Response(body, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-length': String(body.byteLength),
			// RFC 6266 / RFC 5987: the name is ASCII already (fileStem), the UTF-8 form for clients that prefer it.
			'content-disposition': `attachment; filename="${file.filename}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
			'cache-control': 'private, no-store'
		}
	});
});
