import { sql } from 'kysely';
import { z } from 'zod';
import { m } from '$lib/paraglide/messages.js';
import { documentStatusLabel } from '$lib/documents/labels.ts';
import { formatRomeDateTime } from '$lib/meetings/rome-time.ts';
import type { ExportMeta } from '$lib/documents/export-meta.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { AppError } from '../errors.ts';
import { recordAudit } from '../audit/service.ts';
import { getDocument } from './service.ts';
import { loadVersionUpdates, parseVersionNumber } from './versions.ts';
import type { DocumentDeps } from './deps.ts';
import { readOrganizationLogo } from '../organization/service.ts';
import { attachmentsOfDocument } from '../attachments/service.ts';
import { formatSize } from '$lib/library/file-size.ts';
import { getLocale } from '$lib/paraglide/runtime.js';
import type { JSONContent } from '@tiptap/core';

export const exportFormats = ['docx', 'pdf', 'md'] as const;
export type ExportFormat = (typeof exportFormats)[number];

const contentTypes: Record<ExportFormat, string> = {
	docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
	pdf: 'application/pdf',
	md: 'text/markdown; charset=utf-8'
};

export interface ExportedFile {
	filename: string;
	contentType: string;
	body: Uint8Array;
}

const formatField = z.enum(exportFormats);

/** "Protocollo d'intesa" → "protocollo-d-intesa" (ASCII, safe in a file name); never empty. */
export function fileStem(title: string, fallback = 'documento'): string {
	const stem = title
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 80);
	return stem || fallback;
}

/** "Allegati" and one line per file bound to the document (title, file name, size), or nothing. */
async function attachmentList(deps: DocumentDeps, document: { id: string; tableId: string }): Promise<JSONContent[]> {
	const files = await attachmentsOfDocument(deps.db, document.tableId, document.id);
	if (files.length === 0) return [];
	const line = (file: (typeof files)[number]) =>
		m.lib_minutes_line({ title: file.title, filename: file.filename, size: formatSize(file.size, getLocale()) });
	return [
		{ type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: m.lib_minutes_section() }] },
		{
			type: 'bulletList',
			content: files.map((file) => ({
				type: 'listItem',
				content: [{ type: 'paragraph', content: [{ type: 'text', text: line(file) }] }]
			}))
		}
	];
}

/**
 * `GET /api/v1/documents/:id/export?format=docx|pdf|md[&version=N]`: any member may export a
 * version or the current draft (flushed first, so it is what the editors show).
 */
export async function exportDocument(
	deps: DocumentDeps,
	user: SessionUser,
	documentId: string,
	query: URLSearchParams
): Promise<ExportedFile> {
	const document = await getDocument(deps.db, user, documentId);
	const format = formatField.safeParse(query.get('format'));
	if (!format.success) throw new AppError('validation_failed', { fields: { format: 'invalid_choice' } });
	const number = query.has('version') ? parseVersionNumber(query.get('version')) : null;
	const { version, updates } = await loadVersionUpdates(deps, document, number);

	const origin = await deps.db
		.selectFrom('tables')
		.innerJoin('programmes', 'programmes.id', 'tables.programme_id')
		.innerJoin('organizations', 'organizations.id', 'programmes.organization_id')
		.select(['tables.name as table', 'programmes.name as programme'])
		// The page header is one small line: the organisation's short name when it has one.
		.select(sql<string>`coalesce(nullif(organizations.short_name, ''), organizations.name)`.as('organization'))
		.where('tables.id', '=', document.tableId)
		.executeTakeFirstOrThrow();
	const meta: ExportMeta = {
		title: document.title,
		...origin,
		versionLabel: version
			? m.export_version_label({
					number: version.number,
					status: version.final ? documentStatusLabel('final') : m.export_version_frozen(),
					date: formatRomeDateTime(version.createdAt)
				})
			: m.export_current_label({ status: documentStatusLabel(document.status), date: formatRomeDateTime(new Date()) }),
		pageTemplate: m.export_page({ page: '{page}', pages: '{pages}' })
	};
	// The organisation's logo heads the paged formats, as it heads its letters.
	const logo = format.data === 'md' ? null : await readOrganizationLogo(deps.db);
	if (logo) meta.logo = logo;

	// Rendered and laid out in a worker thread (src/lib/documents/heavy-tasks.ts).
	const body = await deps.heavy.exportFile(user.id, { format: format.data, updates, meta, appendix: await attachmentList(deps, document) });

	await recordAudit(deps.db, {
		tableId: document.tableId,
		actor: user,
		action: 'document.export',
		subjectId: document.id,
		subjectLabel: document.title,
		details: { format: format.data, version: version?.number ?? null }
	});
	return {
		filename: `${fileStem(document.title)}${version ? `-v${version.number}` : '-bozza'}.${format.data}`,
		contentType: contentTypes[format.data],
		body
	};
}
