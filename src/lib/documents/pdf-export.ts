import { createRequire } from 'node:module';
import path from 'node:path';
import type { JSONContent } from '@tiptap/core';
import pdfmake from 'pdfmake';
import type { Content, ContentTable, ContentText, TDocumentDefinitions } from 'pdfmake/interfaces';
import { headerLine, type ExportMeta } from './export-meta.ts';
import { fittedLogoSize, type ExportLogo } from './export-logo.ts';
import { exportableHref } from './export-links.ts';
import { archivalOptions, renderArchivalPdf } from './pdf-archival.ts';
import { structNode, type StructNode } from './pdf-tagging.ts';

// pdfmake's own Roboto files (pdfmake/fonts/Roboto.js lists them), read from node_modules; no
// other local file and no URL may be loaded while a document is laid out.
const require = createRequire(import.meta.url);
const robotoFonts = require('pdfmake/fonts/Roboto.js') as Record<string, Record<string, string>>;
const robotoDir = path.dirname(robotoFonts.Roboto.normal);

// A run carries the structure element of its block (see pdf-tagging.ts); pdfmake's types do not
// know the key.
type Inline = ContentText & { _struct: StructNode };

function inlines(nodes: JSONContent[] = [], struct: StructNode): Inline[] {
	return nodes.flatMap((node): Inline[] => {
		if (node.type === 'hardBreak') return [{ text: '\n', _struct: struct }];
		if (node.type !== 'text') return [];
		const marks = new Set((node.marks ?? []).map((mark) => mark.type));
		// A link to anything but http, https or mailto keeps its text and loses its target (/URI).
		const link = exportableHref(node.marks?.find((mark) => mark.type === 'link')?.attrs?.href);
		const decoration = marks.has('strike') ? 'lineThrough' : marks.has('underline') || link ? 'underline' : undefined;
		return [
			{
				text: node.text ?? '',
				bold: marks.has('bold') || undefined,
				italics: marks.has('italic') || undefined,
				decoration,
				...(link ? { link, color: '#0B5CAD' } : {}),
				...(marks.has('code') ? { background: '#EEF1F4' } : {}),
				_struct: struct
			}
		];
	});
}

function blocks(nodes: JSONContent[] = [], parent?: StructNode): Content[] {
	return nodes.map((node) => block(node, parent));
}

/** The page's margins: the text is as wide as the page less the left and right ones. */
const pageMargins: [number, number, number, number] = [56, 64, 56, 56];

/**
 * The horizontal rule: a one-cell table with only its top border, so it spans whatever width its
 * place has (the text's, or less inside a quotation or a list) instead of a fixed length.
 */
// A function, not one shared object: pdfmake writes its layout into the nodes it is given.
const horizontalRule = (): ContentTable => ({
	table: { widths: ['*'], body: [[{ text: '' }]] },
	layout: {
		hLineWidth: (i) => (i === 0 ? 0.5 : 0),
		vLineWidth: () => 0,
		hLineColor: () => '#5C6F82',
		paddingLeft: () => 0,
		paddingRight: () => 0,
		paddingTop: () => 0,
		paddingBottom: () => 0
	},
	margin: [0, 8, 0, 8]
});

function block(node: JSONContent, parent?: StructNode): Content {
	switch (node.type) {
		case 'heading': {
			const level = Math.min(Math.max(Number(node.attrs?.level ?? 1), 1), 6);
			const struct = structNode(`H${level}` as StructNode['role'], parent);
			// headlineLevel lets pageBreakBefore (below) keep the heading with what follows it.
			return { text: inlines(node.content, struct), style: `h${Math.min(level, 3)}`, headlineLevel: level };
		}
		case 'paragraph':
			return { text: inlines(node.content, structNode('P', parent)), style: 'p' };
		case 'bulletList':
		case 'orderedList': {
			const list = structNode('L', parent);
			const items = (node.content ?? []).map((item) => ({ stack: blocks(item.content, structNode('LBody', structNode('LI', list))) }));
			return node.type === 'bulletList' ? { ul: items, style: 'list' } : { ol: items, style: 'list' };
		}
		case 'blockquote':
			return { stack: blocks(node.content, structNode('BlockQuote', parent)), margin: [18, 0, 0, 6], italics: true };
		case 'codeBlock':
			return {
				text: [{ text: (node.content ?? []).map((c) => c.text ?? '').join(''), _struct: structNode('P', parent) } as Inline],
				preserveLeadingSpaces: true,
				background: '#EEF1F4',
				style: 'p'
			};
		case 'horizontalRule':
			return horizontalRule();
		case 'table': {
			const table = structNode('Table', parent);
			const rows = node.content ?? [];
			const columns = Math.max(1, ...rows.map((row) => (row.content ?? []).reduce((n, cell) => n + Number(cell.attrs?.colspan ?? 1), 0)));
			const headerRows = rows.findIndex((row) => !(row.content ?? []).every((cell) => cell.type === 'tableHeader'));
			return {
				table: {
					headerRows: headerRows === -1 ? rows.length : headerRows,
					widths: Array.from({ length: columns }, () => '*'),
					body: rows.map((row) => {
						const tr = structNode('TR', table);
						const cells: Content[] = [];
						for (const cell of row.content ?? []) {
							const colSpan = Number(cell.attrs?.colspan ?? 1);
							const header = cell.type === 'tableHeader';
							cells.push({
								stack: blocks(cell.content, structNode(header ? 'TH' : 'TD', tr)),
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
			return { stack: blocks(node.content, parent) };
	}
}

/**
 * A PDF with real, selectable text (Roboto embedded), the header line and page numbers; PDF/A-2b,
 * in Italian, tagged, with title and author (the organisation) in its metadata (pdf-archival.ts).
 */
export async function buildPdf(json: JSONContent, meta: ExportMeta): Promise<Uint8Array> {
	if (!meta.logo) return layOut(json, meta);
	try {
		return await layOut(json, meta);
	} catch {
		// A logo pdfkit cannot read (a PNG with broken data, an SVG it does not parse) costs the
		// letterhead its picture, not the reader their document.
		return layOut(json, { ...meta, logo: undefined });
	}
}

/** The letterhead's picture: a PNG as an image, an SVG drawn as vectors (both marked as artifacts). */
function logoContent(logo: ExportLogo): Content {
	const size = fittedLogoSize(logo);
	const margin: [number, number, number, number] = [0, 0, 0, 12];
	if (logo.contentType === 'image/svg+xml')
		return { svg: new TextDecoder().decode(logo.bytes), width: size.width, height: size.height, margin };
	return { image: `data:image/png;base64,${Buffer.from(logo.bytes).toString('base64')}`, width: size.width, height: size.height, margin };
}

async function layOut(json: JSONContent, meta: ExportMeta): Promise<Uint8Array> {
	pdfmake.setFonts(robotoFonts);
	pdfmake.setUrlAccessPolicy(() => false);
	pdfmake.setLocalAccessPolicy((file) => path.dirname(path.resolve(file)) === robotoDir);
	const definition: TDocumentDefinitions = {
		...archivalOptions({ title: meta.title, author: meta.organization }),
		pageSize: 'A4',
		pageMargins,
		header: { text: headerLine(meta), margin: [56, 28, 56, 0], style: 'running', color: '#5C6F82' },
		footer: (page: number, pages: number) => ({
			text: meta.pageTemplate.replace('{page}', String(page)).replace('{pages}', String(pages)),
			alignment: 'center',
			style: 'running',
			margin: [0, 20, 0, 0]
		}),
		content: [
			...(meta.logo ? [logoContent(meta.logo)] : []),
			{ text: [{ text: meta.title, _struct: structNode('H1') } as Inline], style: 'title' },
			{ text: [{ text: meta.versionLabel, _struct: structNode('P') } as Inline], style: 'meta' },
			...blocks(json.content)
		],
		// A heading never ends a page: when nothing follows it there but the running header and the
		// page number (pdfmake counts them among a page's nodes), it moves to the next page with
		// its text, unless it ends the document.
		pageBreakBefore: (node, { getFollowingNodesOnPage, getNodesOnNextPage }) =>
			node.headlineLevel !== undefined &&
			getFollowingNodesOnPage().every((next) => next.style === 'running') &&
			getNodesOnNextPage().some((next) => next.style !== 'running'),
		defaultStyle: { font: 'Roboto', fontSize: 11, lineHeight: 1.25 },
		styles: {
			running: { fontSize: 9 },
			title: { fontSize: 20, bold: true, margin: [0, 0, 0, 4] },
			meta: { fontSize: 10, italics: true, color: '#5C6F82', margin: [0, 0, 0, 16] },
			h1: { fontSize: 16, bold: true, margin: [0, 10, 0, 6] },
			h2: { fontSize: 14, bold: true, margin: [0, 8, 0, 4] },
			h3: { fontSize: 12, bold: true, margin: [0, 6, 0, 4] },
			p: { margin: [0, 0, 0, 6] },
			list: { margin: [0, 0, 0, 6] }
		}
	};
	return renderArchivalPdf(definition);
}
