import { createRequire } from 'node:module';
import path from 'node:path';
import type { JSONContent } from '@tiptap/core';
import pdfmake from 'pdfmake';
import type { Content, ContentText, TDocumentDefinitions } from 'pdfmake/interfaces';
import { headerLine, type ExportMeta } from './export-meta.ts';

// pdfmake's own Roboto files (pdfmake/fonts/Roboto.js lists them), read from node_modules; no
// other local file and no URL may be loaded while a document is laid out.
const require = createRequire(import.meta.url);
const robotoFonts = require('pdfmake/fonts/Roboto.js') as Record<string, Record<string, string>>;
const robotoDir = path.dirname(robotoFonts.Roboto.normal);

type Inline = ContentText | string;

function inlines(nodes: JSONContent[] = []): Inline[] {
	return nodes.flatMap((node): Inline[] => {
		if (node.type === 'hardBreak') return ['\n'];
		if (node.type !== 'text') return [];
		const marks = new Set((node.marks ?? []).map((mark) => mark.type));
		const link = node.marks?.find((mark) => mark.type === 'link')?.attrs?.href;
		const decoration = marks.has('strike') ? 'lineThrough' : marks.has('underline') || link ? 'underline' : undefined;
		return [
			{
				text: node.text ?? '',
				bold: marks.has('bold') || undefined,
				italics: marks.has('italic') || undefined,
				decoration,
				...(typeof link === 'string' ? { link, color: '#0B5CAD' } : {}),
				...(marks.has('code') ? { background: '#EEF1F4' } : {})
			}
		];
	});
}

function blocks(nodes: JSONContent[] = []): Content[] {
	return nodes.map(block);
}

function block(node: JSONContent): Content {
	switch (node.type) {
		case 'heading': {
			const level = Math.min(Math.max(Number(node.attrs?.level ?? 1), 1), 6);
			return { text: inlines(node.content), style: `h${Math.min(level, 3)}` };
		}
		case 'paragraph':
			return { text: inlines(node.content), style: 'p' };
		case 'bulletList':
			return { ul: (node.content ?? []).map((item) => ({ stack: blocks(item.content) })), style: 'list' };
		case 'orderedList':
			return { ol: (node.content ?? []).map((item) => ({ stack: blocks(item.content) })), style: 'list' };
		case 'blockquote':
			return { stack: blocks(node.content), margin: [18, 0, 0, 6], italics: true };
		case 'codeBlock':
			return {
				text: (node.content ?? []).map((c) => c.text ?? '').join(''),
				preserveLeadingSpaces: true,
				background: '#EEF1F4',
				style: 'p'
			};
		case 'horizontalRule':
			return { canvas: [{ type: 'line', x1: 0, y1: 4, x2: 515, y2: 4, lineWidth: 0.5, lineColor: '#5C6F82' }], margin: [0, 4, 0, 8] };
		case 'table': {
			const rows = node.content ?? [];
			const columns = Math.max(1, ...rows.map((row) => (row.content ?? []).reduce((n, cell) => n + Number(cell.attrs?.colspan ?? 1), 0)));
			const headerRows = rows.findIndex((row) => !(row.content ?? []).every((cell) => cell.type === 'tableHeader'));
			return {
				table: {
					headerRows: headerRows === -1 ? rows.length : headerRows,
					widths: Array.from({ length: columns }, () => '*'),
					body: rows.map((row) => {
						const cells: Content[] = [];
						for (const cell of row.content ?? []) {
							const colSpan = Number(cell.attrs?.colspan ?? 1);
							const header = cell.type === 'tableHeader';
							cells.push({
								stack: blocks(cell.content),
								colSpan,
								bold: header || undefined,
								fillColor: header ? '#E8EDF2' : undefined
							} as Content);
							for (let i = 1; i < colSpan; i++) cells.push({ text: '' });
						}
						while (cells.length < columns) cells.push({ text: '' });
						return cells;
					})
				},
				layout: 'lightHorizontalLines',
				margin: [0, 4, 0, 10]
			};
		}
		default:
			return { stack: blocks(node.content) };
	}
}

/** A PDF with real, selectable text (Roboto embedded), the header line and page numbers. */
export async function buildPdf(json: JSONContent, meta: ExportMeta): Promise<Uint8Array> {
	pdfmake.setFonts(robotoFonts);
	pdfmake.setUrlAccessPolicy(() => false);
	pdfmake.setLocalAccessPolicy((file) => path.dirname(path.resolve(file)) === robotoDir);
	const definition: TDocumentDefinitions = {
		info: { title: meta.title, creator: 'Tavolo', producer: 'Tavolo' },
		pageSize: 'A4',
		pageMargins: [56, 64, 56, 56],
		header: { text: headerLine(meta), margin: [56, 28, 56, 0], fontSize: 9, color: '#5C6F82' },
		footer: (page: number, pages: number) => ({
			text: meta.pageTemplate.replace('{page}', String(page)).replace('{pages}', String(pages)),
			alignment: 'center',
			fontSize: 9,
			margin: [0, 20, 0, 0]
		}),
		content: [{ text: meta.title, style: 'title' }, { text: meta.versionLabel, style: 'meta' }, ...blocks(json.content)],
		defaultStyle: { font: 'Roboto', fontSize: 11, lineHeight: 1.25 },
		styles: {
			title: { fontSize: 20, bold: true, margin: [0, 0, 0, 4] },
			meta: { fontSize: 10, italics: true, color: '#5C6F82', margin: [0, 0, 0, 16] },
			h1: { fontSize: 16, bold: true, margin: [0, 10, 0, 6] },
			h2: { fontSize: 14, bold: true, margin: [0, 8, 0, 4] },
			h3: { fontSize: 12, bold: true, margin: [0, 6, 0, 4] },
			p: { margin: [0, 0, 0, 6] },
			list: { margin: [0, 0, 0, 6] }
		}
	};
	const buffer = await pdfmake.createPdf(definition).getBuffer();
	return new Uint8Array(buffer);
}
