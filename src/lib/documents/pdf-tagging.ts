import { createRequire } from 'node:module';

/**
 * The logical structure of a PDF laid out by pdfmake (a "tagged" PDF: headings, paragraphs, lists
 * and tables a screen reader or an archive's converter can read back).
 *
 * pdfmake 0.3 passes `tagged: true` to pdfkit, which then writes /MarkInfo and an empty
 * StructTreeRoot, but its renderer never marks what it draws. pdfkit can (markStructureContent,
 * struct elements); what it lacks is knowing which block a drawn line belongs to. pdfmake copies
 * every key of a text run onto the inlines of the lines it lays out, so each run carries its
 * block's StructNode under `_struct`, and the renderer is wrapped here: a line whose runs carry one
 * becomes a marked-content sequence of that element (created on first sight, in reading order,
 * under its parents); any other line (the running header, the page numbers, a numbered list's
 * numbers) and every vector (rules, table borders, bullets) becomes an Artifact.
 */
export type StructRole =
	'H1' | 'H2' | 'H3' | 'H4' | 'H5' | 'H6' | 'P' | 'L' | 'LI' | 'LBody' | 'Table' | 'TR' | 'TH' | 'TD' | 'BlockQuote' | 'Div';

export interface StructNode {
	role: StructRole;
	parent?: StructNode;
}

export const structNode = (role: StructRole, parent?: StructNode): StructNode => ({ role, parent });

/** pdfkit's structure element, as far as it is used here. */
interface StructElement {
	add(child: unknown): StructElement;
}

/** pdfkit's document, as far as it is used here. */
interface TaggedDocument {
	options: { tagged?: boolean };
	struct(type: string): StructElement;
	addStructure(element: StructElement): unknown;
	markContent(tag: string, options?: Record<string, unknown>): unknown;
	markStructureContent(tag: string): unknown;
	endMarkedContent(): unknown;
}

interface RendererThis {
	pdfDocument: TaggedDocument;
}

interface Line {
	inlines?: Array<{ _struct?: StructNode }>;
}

type Render = (this: RendererThis, ...args: unknown[]) => unknown;

interface RendererPrototype {
	renderLine: Render;
	renderVector: Render;
	renderImage: Render;
	renderSVG: Render;
}

const trees = new WeakMap<TaggedDocument, { root: StructElement; elements: Map<StructNode, StructElement> }>();

function elementFor(doc: TaggedDocument, node: StructNode): StructElement {
	let tree = trees.get(doc);
	if (!tree) {
		const root = doc.struct('Document');
		doc.addStructure(root);
		tree = { root, elements: new Map() };
		trees.set(doc, tree);
	}
	const known = tree.elements.get(node);
	if (known) return known;
	const parent = node.parent ? elementFor(doc, node.parent) : tree.root;
	const element = doc.struct(node.role);
	parent.add(element);
	tree.elements.set(node, element);
	return element;
}

/** Pagination: the running header and page numbers; Layout: rules, borders, bullets. */
function asArtifact(doc: TaggedDocument, type: 'Pagination' | 'Layout', draw: () => unknown) {
	doc.markContent('Artifact', { type });
	try {
		draw();
	} finally {
		doc.endMarkedContent();
	}
}

let installed = false;

/** Wraps pdfmake's renderer once per process (the worker threads each load it once). */
export function installStructureTagging() {
	if (installed) return;
	installed = true;
	// The same module instance pdfmake's Printer renders with (pdfmake/js is its CommonJS build).
	const require = createRequire(import.meta.url);
	const { prototype } = (require('pdfmake/js/Renderer.js') as { default: { prototype: RendererPrototype } }).default;
	const { renderLine, renderVector, renderImage, renderSVG } = prototype;

	prototype.renderLine = function (this: RendererThis, ...args: unknown[]) {
		const doc = this.pdfDocument;
		if (!doc.options?.tagged) return renderLine.apply(this, args);
		const node = (args[0] as Line).inlines?.find((inline) => inline._struct)?._struct;
		if (!node) return asArtifact(doc, 'Pagination', () => renderLine.apply(this, args));
		const content = doc.markStructureContent(node.role);
		try {
			renderLine.apply(this, args);
		} finally {
			doc.endMarkedContent();
		}
		elementFor(doc, node).add(content);
	};

	prototype.renderVector = function (this: RendererThis, ...args: unknown[]) {
		const doc = this.pdfDocument;
		if (!doc.options?.tagged) return renderVector.apply(this, args);
		return asArtifact(doc, 'Layout', () => renderVector.apply(this, args));
	};

	// The organisation's logo heads the letter beside its name, written out: decoration, not text.
	prototype.renderImage = function (this: RendererThis, ...args: unknown[]) {
		const doc = this.pdfDocument;
		if (!doc.options?.tagged) return renderImage.apply(this, args);
		return asArtifact(doc, 'Layout', () => renderImage.apply(this, args));
	};

	prototype.renderSVG = function (this: RendererThis, ...args: unknown[]) {
		const doc = this.pdfDocument;
		if (!doc.options?.tagged) return renderSVG.apply(this, args);
		return asArtifact(doc, 'Layout', () => renderSVG.apply(this, args));
	};
}
