import * as Y from 'yjs';
import { getSchema, type JSONContent } from '@tiptap/core';
import { Node } from '@tiptap/pm/model';
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import { MarkdownManager } from '@tiptap/markdown';
import { draftExtensions, draftField } from './extensions.ts';
import { serializeToHTML } from './html-serializer.ts';
import { stripControlCharacters } from '../domain/control-characters.ts';

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
	return draftJsonFromUpdates([state]);
}

/** The same, from a document's stored updates (snapshot and log), applied in one transaction. */
export function draftJsonFromUpdates(updates: Uint8Array[]): JSONContent {
	return foldDraft(updates).json;
}

/**
 * A document's stored updates folded into one encoded state (as yjs-state.ts `foldUpdates` does:
 * `gc: false` keeps deleted content, so the state can still be merged with others) and the
 * ProseMirror document it holds.
 */
export function foldDraft(updates: Uint8Array[]): { state: Uint8Array; json: JSONContent } {
	const doc = new Y.Doc({ gc: false });
	try {
		doc.transact(() => {
			for (const update of updates) Y.applyUpdate(doc, update);
		});
		const json = yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(draftField), schema).toJSON() as JSONContent;
		return { state: Y.encodeStateAsUpdate(doc), json: withoutControlCharacters(json) };
	} finally {
		doc.destroy();
	}
}

/**
 * A draft's text is free prose: a control character pasted into the editor (NUL made freezing a
 * version fail, PostgreSQL refuses it in text) is dropped from what is stored and exported.
 */
function withoutControlCharacters(node: JSONContent): JSONContent {
	return {
		...node,
		...(typeof node.text === 'string' ? { text: stripControlCharacters(node.text) } : {}),
		// ProseMirror has no empty text nodes: one that held only control characters goes.
		...(node.content ? { content: node.content.map(withoutControlCharacters).filter((child) => child.text !== '') } : {})
	};
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
