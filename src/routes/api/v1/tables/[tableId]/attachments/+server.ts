import { json } from '@sveltejs/kit';
import { getAppContext } from '$lib/server/app-context.ts';
import { AppError } from '$lib/server/errors.ts';
import { apiRoute, isBodyTooLarge, requireUser } from '$lib/server/http/api.ts';
import { formTextFields, listAttachments, uploadAttachment } from '$lib/server/attachments/service.ts';
import type { LibraryListing } from '$lib/library/attachment.ts';
import type { RequestHandler } from './$types';

/** The table's library, newest first; `?meetingId=&agendaItemId=` or `?documentId=` narrow it. */
export const GET: RequestHandler = apiRoute(async (event) => {
	const { db, bodyLimits } = getAppContext();
	const listing = await listAttachments(db, requireUser(event), event.params.tableId, Object.fromEntries(event.url.searchParams));
	return json({ ...listing, maxBytes: bodyLimits.attachmentMaxBytes } satisfies LibraryListing);
});

/**
 * Multipart `file` (optional `title`, `meetingId` + `agendaItemId`, `documentId`, `replaces`), the
 * same reading as the organisation's logo. The body limit of this route alone is the library's
 * (hooks.server.ts, body-limit.ts): a declared length past it never reaches here.
 */
export const POST: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const { db, bodyLimits } = getAppContext();
	const form = await event.request.formData().catch((error: unknown) => {
		if (isBodyTooLarge(error)) throw new AppError('payload_too_large');
		throw new AppError('validation_failed', { fields: { file: 'required' } });
	});
	const attachment = await uploadAttachment(
		db,
		user,
		event.params.tableId,
		form.get('file'),
		formTextFields(form),
		bodyLimits.attachmentMaxBytes
	);
	return json(attachment, { status: 201 });
});
