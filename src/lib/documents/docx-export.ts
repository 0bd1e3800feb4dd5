import type { JSONContent } from '@tiptap/core';
import {
	AlignmentType,
	BorderStyle,
	Document,
	ExternalHyperlink,
	Footer,
	Header,
	HeadingLevel,
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

const headingLevels = [
	HeadingLevel.HEADING_1,
	HeadingLevel.HEADING_2,
	HeadingLevel.HEADING_3,
	HeadingLevel.HEADING_4,
	HeadingLevel.HEADING_5,
	HeadingLevel.HEADING_6
];
const orderedReference = 'tavolo-ordered';

interface BlockContext {
	/** Nesting depth inside lists (0 outside). */
	level: number;
	list?: { kind: 'bullet' } | { kind: 'ordered'; instance: number };
	quote: boolean;
}

/** Word documents built from a draft's ProseMirror JSON: headings, lists, tables, marks, links. */
class DocxBuilder {
	#orderedInstances = 0;

	runs(nodes: JSONContent[] = []): ParagraphChild[] {
		return nodes.flatMap((node): ParagraphChild[] => {
			if (node.type === 'hardBreak') return [new TextRun({ text: '', break: 1 })];
			if (node.type !== 'text') return [];
			const marks = new Set((node.marks ?? []).map((mark) => mark.type));
			const run = new TextRun({
				text: node.text ?? '',
				bold: marks.has('bold'),
				italics: marks.has('italic'),
				strike: marks.has('strike'),
				underline: marks.has('underline') || marks.has('link') ? {} : undefined,
				font: marks.has('code') ? 'Courier New' : undefined,
				style: marks.has('link') ? 'Hyperlink' : undefined
			});
			const link = node.marks?.find((mark) => mark.type === 'link')?.attrs?.href;
			return typeof link === 'string' ? [new ExternalHyperlink({ link, children: [run] })] : [run];
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
						children: this.runs(node.content),
						indent,
						...(list?.kind === 'bullet' ? { bullet: { level: context.level - 1 } } : {}),
						...(list?.kind === 'ordered'
							? { numbering: { reference: orderedReference, level: context.level - 1, instance: list.instance } }
							: {})
					})
				];
			}
			case 'bulletList':
				return (node.content ?? []).flatMap((item) =>
					this.listItem(item, { ...context, level: context.level + 1, list: { kind: 'bullet' } })
				);
			case 'orderedList': {
				const instance = ++this.#orderedInstances;
				return (node.content ?? []).flatMap((item) =>
					this.listItem(item, { ...context, level: context.level + 1, list: { kind: 'ordered', instance } })
				);
			}
			case 'blockquote':
				return this.blocks(node.content, { ...context, quote: true });
			case 'codeBlock':
				return [
					new Paragraph({
						indent,
						children: [new TextRun({ text: (node.content ?? []).map((c) => c.text ?? '').join(''), font: 'Courier New' })]
					})
				];
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
							const children = this.blocks(cell.content).filter((child): child is Paragraph => child instanceof Paragraph);
							return new TableCell({
								columnSpan: Number(cell.attrs?.colspan ?? 1),
								rowSpan: Number(cell.attrs?.rowspan ?? 1),
								shading: cell.type === 'tableHeader' ? { fill: 'E8EDF2' } : undefined,
								children: children.length > 0 ? children : [new Paragraph('')]
							});
						})
					})
			)
		});
	}
}

export async function buildDocx(json: JSONContent, meta: ExportMeta): Promise<Uint8Array> {
	const builder = new DocxBuilder();
	const document = new Document({
		title: meta.title,
		creator: 'Tavolo',
		numbering: {
			config: [
				{
					reference: orderedReference,
					levels: [0, 1, 2, 3, 4, 5].map((level) => ({
						level,
						format: [LevelFormat.DECIMAL, LevelFormat.LOWER_LETTER, LevelFormat.LOWER_ROMAN][level % 3],
						text: `%${level + 1}.`,
						alignment: AlignmentType.START,
						style: { paragraph: { indent: { left: 720 * (level + 1), hanging: 360 } } }
					}))
				}
			]
		},
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
					new Paragraph({ heading: HeadingLevel.TITLE, children: [new TextRun(meta.title)] }),
					new Paragraph({ children: [new TextRun({ text: meta.versionLabel, italics: true, color: '5C6F82' })] }),
					...builder.blocks(json.content)
				]
			}
		]
	});
	return new Uint8Array(await Packer.toBuffer(document));
}
