import { json } from '@sveltejs/kit';
import { apiRoute, readJson, requireUser } from '$lib/server/http/api.ts';
import { AppError, isAppError } from '$lib/server/errors.ts';
import { errorMessage, fieldMessages } from '$lib/errors/messages.ts';
import { sendConvocation } from '$lib/server/convocation/service.ts';
import { convocationDeps } from '$lib/server/convocation/deps.ts';
import type { SendLine } from '$lib/domain/convocation.ts';
import type { RequestHandler } from './$types';

const ndjson = 'application/x-ndjson';

/**
 * `[{subject, body, protocolNumber, externalRecipients, invitationIds}]`: sends the letter to
 * every member, and to the recipients from outside the table with their personal invitation link. Answers the summary as JSON; asked for
 * `application/x-ndjson`, streams one `{type: 'progress', done, total, sent, failed}` line per
 * recipient and ends with `{type: 'done', summary}` (or `{type: 'error', error}`), so the page
 * can show the count while a long list goes out.
 */
export const POST: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const input = await readJson(event.request);
	const deps = convocationDeps(event.url.origin);
	if (!(event.request.headers.get('accept') ?? '').includes(ndjson)) {
		return json(await sendConvocation(deps, user, event.params.meetingId, input));
	}
	const encoder = new TextEncoder();
	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			const line = (value: SendLine) => controller.enqueue(encoder.encode(`${JSON.stringify(value)}\n`));
			try {
				const summary = await sendConvocation(deps, user, event.params.meetingId, input, (progress) =>
					line({ type: 'progress', ...progress })
				);
				line({ type: 'done', summary });
			} catch (error) {
				const known = isAppError(error) ? error : new AppError('internal');
				if (!isAppError(error)) event.locals.logger.error({ err: error }, 'sending a convocation failed');
				const fields = known.details.fields ? { fields: fieldMessages(known.details.fields) } : {};
				line({ type: 'error', error: { code: known.code, message: errorMessage(known.code, known.details), ...fields } });
			}
			controller.close();
		}
	});
	return new Response(stream, { headers: { 'content-type': `${ndjson}; charset=utf-8`, 'cache-control': 'no-store' } });
});
