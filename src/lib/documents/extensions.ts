import type { AnyExtension } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { TableKit } from '@tiptap/extension-table';

/**
 * The content schema of a draft, as the editor (src/lib/collab/DraftEditor.svelte) builds it minus
 * the collaboration plugins: StarterKit + TableKit. The server renders frozen versions and
 * exports with the same nodes and marks, so nothing the editor can write is lost on the way.
 */
export function draftExtensions(): AnyExtension[] {
	return [StarterKit.configure({ undoRedo: false, link: { openOnClick: false } }), TableKit.configure({ table: { resizable: false } })];
}

/** The Y.XmlFragment the editor's Collaboration extension binds to (its `field` option). */
export const draftField = 'default';
