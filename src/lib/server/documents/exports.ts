import { z } from 'zod';
import { m } from '$lib/paraglide/messages.js';
import { documentStatusLabel } from '$lib/documents/labels.ts';
import { formatRomeDateTime } from '$lib/meetings/rome-time.ts';
import { buildDocx } from '$lib/documents/docx-export.ts';
import { buildPdf } from '$lib/documents/pdf-export.ts';
import type { ExportMeta } from '$lib/documents/export-meta.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { AppError } from '../errors.ts';
import { recordAudit } from '../audit/service.ts';
import { getDocument } from './service.ts';
import { loadRendering, parseVersionNumber } from './versions.ts';
import type { DocumentDeps } from './deps.ts';

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

/** "Protocollo d'intesa" → "protocollo-d-intesa"; never empty. */
function fileStem(title: string): string {
	const stem = title
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 80);
	return stem || 'documento';
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
	const { version, rendered } = await loadRendering(deps, document, number);

	const origin = await deps.db
		.selectFrom('tables')
		.innerJoin('programmes', 'programmes.id', 'tables.programme_id')
		.innerJoin('organizations', 'organizations.id', 'programmes.organization_id')
		.select(['tables.name as table', 'programmes.name as programme', 'organizations.name as organization'])
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

	let body: Uint8Array;
	if (format.data === 'docx') body = await buildDocx(rendered.json, meta);
	else if (format.data === 'pdf') body = await buildPdf(rendered.json, meta);
	else body = new TextEncoder().encode(`# ${document.title}\n\n_${meta.versionLabel}_\n\n${rendered.markdown}`);

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
