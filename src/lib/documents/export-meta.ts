import type { ExportLogo } from './export-logo.ts';

/** What an export prints around the text: the header line, the title block, page numbers. */
export interface ExportMeta {
	title: string;
	organization: string;
	programme: string;
	table: string;
	/** e.g. "Versione 3 · Definitivo · 27/11/2026" or "Bozza corrente · 27/11/2026" */
	versionLabel: string;
	/** e.g. "Pagina {page} di {pages}": the two placeholders are filled in per page. */
	pageTemplate: string;
	/** The organisation's logo, above the title like a letterhead; none when not uploaded. */
	logo?: ExportLogo;
}

export function headerLine(meta: ExportMeta): string {
	return [meta.organization, meta.programme, meta.table].filter(Boolean).join(' · ');
}

/** The page template cut around its placeholders, for formats that number pages themselves. */
export function pageTemplateParts(template: string): (string | 'page' | 'pages')[] {
	return template.split(/(\{page\}|\{pages\})/).flatMap((part) => {
		if (part === '{page}') return ['page' as const];
		if (part === '{pages}') return ['pages' as const];
		return part ? [part] : [];
	});
}
