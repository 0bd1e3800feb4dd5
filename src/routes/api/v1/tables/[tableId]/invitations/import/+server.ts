import { json } from '@sveltejs/kit';
import { m } from '$lib/paraglide/messages.js';
import { getAppContext } from '$lib/server/app-context.ts';
import { apiRoute, readBodyBytes, requireUser } from '$lib/server/http/api.ts';
import { authorizeOnTable } from '$lib/server/authz/access.ts';
import { invitationDeps } from '$lib/server/invitations/deps.ts';
import { ImportRefused, importInvitations, type ImportLineError } from '$lib/server/invitations/import.ts';
import type { RequestHandler } from './$types';

/** What spreadsheets and browsers call a CSV file (Windows browsers send .csv as an Excel type). */
const csvTypes = ['text/csv', 'text/plain', 'application/csv', 'application/vnd.ms-excel'];

function refused(errors: ImportLineError[]) {
	return json({ error: { code: 'import_invalid', message: m.invite_mail_import_invalid() }, created: 0, errors }, { status: 400 });
}

/**
 * `?dryRun=1`: checks the list and answers `{created: 0, valid, errors}`, creating nothing. Without
 * it: creates and mails one invitation per row, or none when any line has an error (400
 * `import_invalid` with the errors). A file that cannot be read is 400 in both modes.
 */
export const POST: RequestHandler = apiRoute(async (event) => {
	const user = requireUser(event);
	const { db, invitationImport } = getAppContext();
	const { tableId } = event.params;
	// The coordinator's right first: nobody else learns even how we read the file.
	await authorizeOnTable(db, user, tableId, 'invitation.manage');
	const type = (event.request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
	if (!csvTypes.includes(type)) {
		return json({ error: { code: 'import_invalid', message: m.invite_mail_import_not_csv() }, created: 0, errors: [] }, { status: 400 });
	}
	const bytes = await readBodyBytes(event.request, invitationImport.maxBytes);
	const dryRun = ['1', 'true'].includes(event.url.searchParams.get('dryRun') ?? '');
	try {
		const result = await importInvitations({ ...invitationDeps(event.url.origin), limits: invitationImport }, user, tableId, bytes, {
			dryRun
		});
		if (!dryRun && result.errors.length > 0) return refused(result.errors);
		return json(result, { status: dryRun ? 200 : 201 });
	} catch (error) {
		if (error instanceof ImportRefused) return refused(error.errors);
		throw error;
	}
});
