import { apiRoute, requireUser } from '$lib/server/http/api.ts';
import { exportConvocation } from '$lib/server/convocation/service.ts';
import { convocationDeps } from '$lib/server/convocation/deps.ts';
import type { RequestHandler } from './$types';

/** `?format=docx|pdf`: the letter as a file (coordinators). */
export const GET: RequestHandler = apiRoute(async (event) => {
	const file = await exportConvocation(
		convocationDeps(event.url.origin),
		requireUser(event),
		event.params.meetingId,
		event.url.searchParams.get('format')
	);
	return new Response(new Uint8Array(file.body), {
		headers: {
			'content-type': file.contentType,
			'content-length': String(file.body.byteLength),
			'content-disposition': `attachment; filename="${file.filename}"`,
			'cache-control': 'private, no-store'
		}
	});
});
