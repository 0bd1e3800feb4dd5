import type { JSONContent } from '@tiptap/core';
import {
	AlignmentType,
	BorderStyle,
	Document,
	ExternalHyperlink,
	Footer,
	Header,
	HeadingLevel,
	ImageRun,
	LevelFormat,
	Packer,
	PageNumber,
	Paragraph,
	Table,
	TableCell,
	TableRow,
	TextRun,
	WidthType,
	type ParagraphChild
} from 'docx';
import { headerLine, pageTemplateParts, type ExportMeta } from './export-meta.ts';
import { fittedLogoSize, type ExportLogo } from './export-logo.ts';
import { exportableHref } from './export-links.ts';

const headingLevels = [
	HeadingLevel.HEADING_1,
	HeadingLevel.HEADING_2,
	HeadingLevel.HEADING_3,
	HeadingLevel.HEADING_4,
	HeadingLevel.HEADING_5,
	HeadingLevel.HEADING_6
];
const orderedReference = 'tavolo-ordered';
/** A font every office suite has or maps metrically (LibreOffice: Liberation Sans). */
const bodyFont = 'Arial';
const codeFont = 'Courier New';

interface BlockContext {
	/** Nesting depth inside lists (0 outside). */
	level: number;
	list?: { kind: 'bullet' } | { kind: 'ordered'; reference: string; instance: number };
	quote: boolean;
	/** Inside a table's header cell: its text is bold, as a header row reads in print. */
	header?: boolean;
}

/** The numbering of ordered lists starting at `start`: Word restarts a list only through its own definition's start. */
function orderedNumbering(reference: string, start: number) {
	return {
		reference,
		levels: [0, 1, 2, 3, 4, 5].map((level) => ({
			level,
			format: [LevelFormat.DECIMAL, LevelFormat.LOWER_LETTER, LevelFormat.LOWER_ROMAN][level % 3],
			text: `%${level + 1}.`,
			// Only the list's own level starts late; its nested lists count from 1.
			start: level === 0 ? start : 1,
			alignment: AlignmentType.START,
			style: { paragraph: { indent: { left: 720 * (level + 1), hanging: 360 } } }
		}))
	};
}

/**
 * Heading styles with an outline level (w:outlineLvl, 0 for Heading 1): without one LibreOffice
 * imports them as plain paragraphs (no navigator, table of contents or PDF bookmarks). Sizes in
 * half-points; spacing in twentieths of a point.
 */
const headingSizes = [32, 28, 26, 24, 22, 22];
const headingStyles = Object.fromEntries(
	headingSizes.map((size, index) => [
		`heading${index + 1}`,
		{
			run: { font: bodyFont, size, bold: true, italics: index === 5, color: '17324D' },
			paragraph: { outlineLevel: index, keepNext: true, keepLines: true, spacing: { before: 240, after: 120 } }
		}
	])
);

/** Word documents built from a draft's ProseMirror JSON: headings, lists, tables, marks, links. */
class DocxBuilder {
	#orderedInstances = 0;
	/** The numbering definitions the document's ordered lists use, by reference (one per start number). */
	readonly numberings = new Map<string, ReturnType<typeof orderedNumbering>>([[orderedReference, orderedNumbering(orderedReference, 1)]]);

	runs(nodes: JSONContent[] = [], bold = false): ParagraphChild[] {
		return nodes.flatMap((node): ParagraphChild[] => {
			if (node.type === 'hardBreak') return [new TextRun({ text: '', break: 1 })];
			if (node.type !== 'text') return [];
			const marks = new Set((node.marks ?? []).map((mark) => mark.type));
			// A link to anything but http, https or mailto keeps its text and loses its target.
			const link = exportableHref(node.marks?.find((mark) => mark.type === 'link')?.attrs?.href);
			const run = new TextRun({
				text: node.text ?? '',
				bold: bold || marks.has('bold'),
				italics: marks.has('italic'),
				strike: marks.has('strike'),
				underline: marks.has('underline') || link ? {} : undefined,
				font: marks.has('code') ? codeFont : undefined,
				style: link ? 'Hyperlink' : undefined
			});
			return link ? [new ExternalHyperlink({ link, children: [run] })] : [run];
		});
	}

	blocks(nodes: JSONContent[] = [], context: BlockContext = { level: 0, quote: false }): (Paragraph | Table)[] {
		return nodes.flatMap((node) => this.block(node, context));
	}

	block(node: JSONContent, context: BlockContext): (Paragraph | Table)[] {
		const indent = context.quote ? { left: 720 } : undefined;
		switch (node.type) {
			case 'heading': {
				const level = Math.min(Math.max(Number(node.attrs?.level ?? 1), 1), 6);
				return [new Paragraph({ heading: headingLevels[level - 1], children: this.runs(node.content) })];
			}
			case 'paragraph': {
				const list = context.list;
				return [
					new Paragraph({
						children: this.runs(node.content, context.header),
						indent,
						...(list?.kind === 'bullet' ? { bullet: { level: context.level - 1 } } : {}),
						...(list?.kind === 'ordered'
							? { numbering: { reference: list.reference, level: context.level - 1, instance: list.instance } }
							: {})
					})
				];
			}
			case 'bulletList':
				return (node.content ?? []).flatMap((item) =>
					this.listItem(item, { ...context, level: context.level + 1, list: { kind: 'bullet' } })
				);
			case 'orderedList': {
				// Each list is its own numbering instance (it counts from its start, not on from the last list).
				const instance = ++this.#orderedInstances;
				const start = Math.max(1, Math.floor(Number(node.attrs?.start ?? 1)) || 1);
				const reference = start === 1 ? orderedReference : `${orderedReference}-${start}`;
				if (!this.numberings.has(reference)) this.numberings.set(reference, orderedNumbering(reference, start));
				return (node.content ?? []).flatMap((item) =>
					this.listItem(item, { ...context, level: context.level + 1, list: { kind: 'ordered', reference, instance } })
				);
			}
			case 'blockquote':
				return this.blocks(node.content, { ...context, quote: true });
			case 'codeBlock': {
				// One paragraph, its lines kept by line breaks (a run's text cannot hold a newline).
				const lines = (node.content ?? [])
					.map((c) => c.text ?? '')
					.join('')
					.split(/\r?\n/);
				return [
					new Paragraph({
						indent,
						spacing: { line: 240 },
						children: lines.map((line, index) => new TextRun({ text: line, font: codeFont, size: 20, break: index > 0 ? 1 : undefined }))
					})
				];
			}
			case 'horizontalRule':
				return [new Paragraph({ children: [], border: { bottom: { style: BorderStyle.SINGLE, size: 6, color: '5C6F82', space: 1 } } })];
			case 'table':
				return [this.table(node)];
			default:
				return this.blocks(node.content, context);
		}
	}

	/** The first paragraph of an item carries the bullet or number; the rest are plain. */
	listItem(item: JSONContent, context: BlockContext): (Paragraph | Table)[] {
		const [first, ...rest] = item.content ?? [];
		const head = first ? this.block(first, context) : [];
		const tail = rest.flatMap((child) => this.block(child, { ...context, list: child.type === 'paragraph' ? undefined : context.list }));
		return [...head, ...tail];
	}

	table(node: JSONContent): Table {
		const rows = node.content ?? [];
		return new Table({
			width: { size: 100, type: WidthType.PERCENTAGE },
			rows: rows.map(
				(row) =>
					new TableRow({
						tableHeader: (row.content ?? []).every((cell) => cell.type === 'tableHeader'),
						children: (row.content ?? []).map((cell) => {
							const header = cell.type === 'tableHeader';
							const children = this.blocks(cell.content, { level: 0, quote: false, header }).filter(
								(child): child is Paragraph => child instanceof Paragraph
							);
							return new TableCell({
								columnSpan: Number(cell.attrs?.colspan ?? 1),
								rowSpan: Number(cell.attrs?.rowspan ?? 1),
								shading: header ? { fill: 'E8EDF2' } : undefined,
								children: children.length > 0 ? children : [new Paragraph('')]
							});
						})
					})
			)
		});
	}
}

// A transparent pixel: what a Word older than 2016, which cannot draw SVG, shows in its place.
const transparentPng = Uint8Array.from(
	atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='),
	(c) => c.charCodeAt(0)
);

/** The letterhead's picture, in points as the PDF has it (docx sizes images in pixels at 96 dpi). */
function logoParagraph(logo: ExportLogo, organization: string): Paragraph {
	const size = fittedLogoSize(logo);
	const transformation = { width: Math.round((size.width * 96) / 72), height: Math.round((size.height * 96) / 72) };
	const altText = { name: 'logo', title: organization, description: organization };
	const image =
		logo.contentType === 'image/svg+xml'
			? new ImageRun({ type: 'svg', data: logo.bytes, transformation, altText, fallback: { type: 'png', data: transparentPng } })
			: new ImageRun({ type: 'png', data: logo.bytes, transformation, altText });
	return new Paragraph({ spacing: { after: 200 }, children: [image] });
}

export async function buildDocx(json: JSONContent, meta: ExportMeta): Promise<Uint8Array> {
	const builder = new DocxBuilder();
	// Built first: the lists found in the text decide the numbering definitions.
	const body = builder.blocks(json.content);
	const document = new Document({
		title: meta.title,
		// The author an archive files the document under: the organisation that issues it.
		creator: meta.organization || meta.table,
		lastModifiedBy: meta.organization || meta.table,
		subject: headerLine(meta),
		description: meta.versionLabel,
		styles: {
			default: {
				document: {
					// w:rPrDefault/w:lang: spelling, hyphenation and screen readers read the text as Italian.
					run: { font: bodyFont, size: 22, language: { value: 'it-IT' } },
					paragraph: { spacing: { after: 120, line: 276 } }
				},
				title: {
					run: { font: bodyFont, size: 40, bold: true, color: '17324D' },
					paragraph: { keepNext: true, spacing: { after: 120 } }
				},
				...headingStyles
			}
		},
		numbering: { config: [...builder.numberings.values()] },
		sections: [
			{
				headers: {
					default: new Header({
						children: [new Paragraph({ children: [new TextRun({ text: headerLine(meta), size: 18, color: '5C6F82' })] })]
					})
				},
				footers: {
					default: new Footer({
						children: [
							new Paragraph({
								alignment: AlignmentType.CENTER,
								children: [
									new TextRun({
										size: 18,
										children: pageTemplateParts(meta.pageTemplate).map((part) =>
											part === 'page' ? PageNumber.CURRENT : part === 'pages' ? PageNumber.TOTAL_PAGES : part
										)
									})
								]
							})
						]
					})
				},
				children: [
					...(meta.logo ? [logoParagraph(meta.logo, meta.organization || meta.title)] : []),
					new Paragraph({ heading: HeadingLevel.TITLE, children: [new TextRun(meta.title)] }),
					new Paragraph({ children: [new TextRun({ text: meta.versionLabel, italics: true, color: '5C6F82' })] }),
					...body
				]
			}
		]
	});
	return new Uint8Array(await Packer.toBuffer(document));
}
