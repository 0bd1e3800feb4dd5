import * as Y from 'yjs';
import { getSchema, type JSONContent } from '@tiptap/core';
import { Node } from '@tiptap/pm/model';
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import { MarkdownManager } from '@tiptap/markdown';
import { draftExtensions, draftField } from './extensions.ts';
import { serializeToHTML } from './html-serializer.ts';

/** A draft as the server sees it: ProseMirror JSON plus what is stored and exported from it. */
export interface RenderedDraft {
	json: JSONContent;
	html: string;
	markdown: string;
}

const extensions = draftExtensions();
const schema = getSchema(extensions);
const markdown = new MarkdownManager({ extensions });

/** The ProseMirror document held by an encoded Yjs state (the editor's 'default' fragment). */
export function draftJsonFromState(state: Uint8Array): JSONContent {
	const doc = new Y.Doc();
	try {
		Y.applyUpdate(doc, state);
		return yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(draftField), schema).toJSON() as JSONContent;
	} finally {
		doc.destroy();
	}
}

export function renderDraftJson(json: JSONContent): RenderedDraft {
	const html = serializeToHTML(schema, Node.fromJSON(schema, json).content);
	return { json, html, markdown: markdown.serialize(json).trim() + '\n' };
}

export function renderDraftState(state: Uint8Array): RenderedDraft {
	return renderDraftJson(draftJsonFromState(state));
}

/** Plain text of a ProseMirror JSON node, blocks separated by newlines (for headers, search, tests). */
export function plainText(node: JSONContent): string {
	if (node.type === 'text') return node.text ?? '';
	if (node.type === 'hardBreak') return '\n';
	const inner = (node.content ?? []).map(plainText);
	const isInline = (node.content ?? []).every((child) => child.type === 'text' || child.type === 'hardBreak');
	return inner.join(isInline ? '' : '\n');
}
