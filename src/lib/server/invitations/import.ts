import { z } from 'zod';
import { m } from '$lib/paraglide/messages.js';
import { tableRoles, type TableRole } from '../../domain/tables.ts';
import { roleLabel } from '$lib/tables/labels.ts';
import { AppError } from '../errors.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { authorizeOnTable } from '../authz/access.ts';
import { findTableHeading } from '../tables/queries.ts';
import { listCategories, type Category } from '../programmes/service.ts';
import { fields, textLimits } from '../validation.ts';
import { CsvError, decodeUtf8, detectDelimiter, parseCsv } from './csv.ts';
import { insertInvitation, invitationUrl, mailInvitation, type InvitationDeps } from './service.ts';

export interface ImportLimits {
	maxBytes: number;
	maxRows: number;
}

export interface ImportLineError {
	/** The line of the file (the header is line 1). */
	line: number;
	message: string;
}

export interface ImportResult {
	dryRun: boolean;
	/** Invitations created (0 in a dry run, or when any line has an error). */
	created: number;
	/** Rows that are fine: what a real run would create. */
	valid: number;
	errors: ImportLineError[];
	/** The real run: each invitation and whether its mail went (a failure can be sent again). */
	invitations: Array<{ line: number; id: string; email: string; mailStatus: 'sent' | 'failed' }>;
}

/**
 * A list that cannot be read at all (not UTF-8, a quote left open, no usable header, too many
 * rows): 400 `import_invalid` whatever the mode, with the lines at fault.
 */
export class ImportRefused extends Error {
	constructor(readonly errors: ImportLineError[]) {
		super('import_invalid');
		this.name = 'ImportRefused';
	}
}

type Column = 'name' | 'email' | 'role' | 'category' | 'representedBody';

/** Header names, compared without case, spaces, dashes or underscores; the Italian ones too. */
const columnNames: Record<string, Column> = {
	name: 'name',
	nome: 'name',
	nomecognome: 'name',
	email: 'email',
	mail: 'email',
	indirizzoemail: 'email',
	role: 'role',
	ruolo: 'role',
	category: 'category',
	categoria: 'category',
	representedbody: 'representedBody',
	ente: 'representedBody',
	enterappresentato: 'representedBody'
};

const normalize = (value: string) =>
	value
		.normalize('NFC')
		.toLowerCase()
		.replace(/[\s_\-–.]/g, '');

function csvMessage(error: CsvError): string {
	switch (error.problem) {
		case 'not_utf8':
			return m.invite_mail_import_not_utf8();
		case 'unclosed_quote':
			return m.invite_mail_import_unclosed_quote();
		case 'stray_quote':
			return m.invite_mail_import_stray_quote();
		case 'text_after_quote':
			return m.invite_mail_import_text_after_quote();
	}
}

function roleOf(value: string): TableRole | null {
	const wanted = normalize(value);
	if (wanted === '') return 'participant';
	return (
		tableRoles.find((role) => role === wanted || normalize(roleLabel(role)) === wanted || normalize(italianRole[role]) === wanted) ?? null
	);
}

// The Italian names are accepted whatever the language of the request: the lists are Italian.
const italianRole: Record<TableRole, string> = {
	coordinator: 'coordinatore',
	moderator: 'moderatore',
	participant: 'partecipante',
	observer: 'osservatore'
};

function categoryOf(categories: Category[], value: string): Category | null | undefined {
	const wanted = normalize(value);
	if (wanted === '') return null;
	return categories.find(
		(c) => normalize(c.key) === wanted || normalize(c.labelIt) === wanted || (c.labelEn && normalize(c.labelEn) === wanted)
	);
}

interface Row {
	line: number;
	name: string;
	email: string;
	role: TableRole;
	categoryId: string | null;
	representedBody: string;
}

/** The header and rows, or ImportRefused when the file cannot be read as a list of people. */
function readList(bytes: Uint8Array, limits: ImportLimits) {
	let records;
	try {
		const text = decodeUtf8(bytes);
		records = parseCsv(text, detectDelimiter(text));
	} catch (error) {
		if (error instanceof CsvError) throw new ImportRefused([{ line: error.line, message: csvMessage(error) }]);
		throw error;
	}
	// A spreadsheet's empty rows come out as lines of separators: not people, left out.
	records = records.filter((r) => r.fields.some((f) => f.trim() !== ''));
	const header = records.shift();
	if (!header) throw new ImportRefused([{ line: 1, message: m.invite_mail_import_empty() }]);
	const columns: Column[] = [];
	const headerErrors: ImportLineError[] = [];
	for (const title of header.fields) {
		const column = columnNames[normalize(title)];
		if (!column) headerErrors.push({ line: header.line, message: m.invite_mail_import_unknown_column({ column: title.trim() }) });
		else if (columns.includes(column))
			headerErrors.push({ line: header.line, message: m.invite_mail_import_repeated_column({ column: title.trim() }) });
		columns.push(column);
	}
	if (!columns.includes('email')) headerErrors.push({ line: header.line, message: m.invite_mail_import_no_email_column() });
	if (headerErrors.length > 0) throw new ImportRefused(headerErrors);
	if (records.length === 0) throw new ImportRefused([{ line: header.line + 1, message: m.invite_mail_import_empty() }]);
	if (records.length > limits.maxRows) {
		throw new ImportRefused([{ line: records[limits.maxRows].line, message: m.invite_mail_import_too_many_rows({ max: limits.maxRows }) }]);
	}
	return { columns, records };
}

const emailField = fields.email;
const nameField = z.string().trim().max(textLimits.name);
const bodyField = z.string().trim().max(textLimits.representedBody);

/**
 * `POST /api/v1/tables/:id/invitations/import[?dryRun=1]`: a CSV list of people (name, email,
 * role, category, representedBody) becomes one personal invitation each, mailed. Every line is
 * checked first: a bad address, an unknown role or category, an address twice in the file, a
 * member already, someone already invited. A dry run only reports; a real run creates all the
 * invitations or, when any line has an error, none (the coordinator fixes the file and imports
 * it again, without a half-imported list to reason about).
 */
export async function importInvitations(
	deps: InvitationDeps & { limits: ImportLimits },
	user: SessionUser,
	tableId: string,
	bytes: Uint8Array,
	options: { dryRun: boolean }
): Promise<ImportResult> {
	const { db } = deps;
	await authorizeOnTable(db, user, tableId, 'invitation.manage');
	if (bytes.byteLength > deps.limits.maxBytes) throw new AppError('payload_too_large');
	const { columns, records } = readList(bytes, deps.limits);
	const table = await findTableHeading(db, tableId);
	const categories = await listCategories(db, table.programme_id);
	const [members, pending] = await Promise.all([
		db
			.selectFrom('memberships')
			.innerJoin('users', 'users.id', 'memberships.user_id')
			.select('users.email')
			.where('memberships.table_id', '=', tableId)
			.execute(),
		db
			.selectFrom('invitations')
			.select('email')
			.where('table_id', '=', tableId)
			.where('email', 'is not', null)
			.where('revoked_at', 'is', null)
			.where('expires_at', '>', new Date())
			.whereRef('uses', '<', 'max_uses')
			.execute()
	]);
	const memberEmails = new Set(members.map((r) => r.email.toLowerCase()));
	const invitedEmails = new Set(pending.map((r) => (r.email ?? '').toLowerCase()));
	const seen = new Map<string, number>();
	const errors: ImportLineError[] = [];
	const rows: Row[] = [];

	for (const record of records) {
		const { line } = record;
		const fail = (message: string) => errors.push({ line, message });
		if (record.fields.length !== columns.length) {
			fail(m.invite_mail_import_field_count({ found: record.fields.length, expected: columns.length }));
			continue;
		}
		const cell = (column: Column) => {
			const index = columns.indexOf(column);
			return index === -1 ? '' : record.fields[index];
		};
		const email = emailField.safeParse(cell('email'));
		const name = nameField.safeParse(cell('name'));
		const body = bodyField.safeParse(cell('representedBody'));
		const role = roleOf(cell('role'));
		const category = categoryOf(categories, cell('category'));
		const before = errors.length;
		if (!email.success)
			fail(cell('email').trim() === '' ? m.invite_mail_import_no_email() : m.invite_mail_import_bad_email({ email: cell('email').trim() }));
		if (!name.success) fail(m.invite_mail_import_name_too_long({ max: textLimits.name }));
		if (!body.success) fail(m.invite_mail_import_body_too_long({ max: textLimits.representedBody }));
		if (!role) fail(m.invite_mail_import_unknown_role({ role: cell('role').trim() }));
		if (category === undefined) fail(m.invite_mail_import_unknown_category({ category: cell('category').trim() }));
		if (email.success) {
			const first = seen.get(email.data);
			if (first !== undefined) fail(m.invite_mail_import_duplicate({ email: email.data, line: first }));
			else seen.set(email.data, line);
			if (memberEmails.has(email.data)) fail(m.invite_mail_import_member({ email: email.data }));
			else if (invitedEmails.has(email.data)) fail(m.invite_mail_import_invited({ email: email.data }));
		}
		if (errors.length === before && email.success && name.success && body.success && role && category !== undefined) {
			rows.push({ line, name: name.data, email: email.data, role, categoryId: category?.id ?? null, representedBody: body.data });
		}
	}

	const result: ImportResult = { dryRun: options.dryRun, created: 0, valid: rows.length, errors, invitations: [] };
	if (options.dryRun || errors.length > 0 || rows.length === 0) return result;

	const expiresAt = new Date(Date.now() + deps.defaultDays * 86_400_000);
	// All or nothing: one transaction; the mails go after it commits, each recorded as it went.
	const created = await db.transaction().execute(async (trx) => {
		const out: Array<{ row: Row; id: string; token: string }> = [];
		for (const row of rows) {
			const { id, token } = await insertInvitation(trx, user, tableId, {
				role: row.role,
				email: row.email,
				name: row.name,
				representedBody: row.representedBody,
				categoryId: row.categoryId,
				maxUses: 1,
				expiresAt
			});
			out.push({ row, id, token });
		}
		return out;
	});
	for (const { row, id, token } of created) {
		const mailStatus = await mailInvitation(deps, user, {
			id,
			tableId,
			email: row.email,
			name: row.name,
			role: row.role,
			url: invitationUrl(deps.origin, token),
			expiresAt
		});
		result.invitations.push({ line: row.line, id, email: row.email, mailStatus });
	}
	result.created = created.length;
	return result;
}
