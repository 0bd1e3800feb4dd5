import { Extension, type Editor } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import { encodeRange, resolveRange, type AnchorMapping, type EncodedRange } from './comment-anchors.ts';
import { scrollBehavior } from '../ui/motion.ts';

/** A thread as the highlights need it. */
export interface AnchoredThread {
	id: string;
	anchor: EncodedRange;
}

export interface CommentHighlightsOptions {
	/** The threads to highlight (the open ones), read on every refresh. */
	threads: () => readonly AnchoredThread[];
	/** The thread selected in the side list, highlighted more strongly. */
	activeId: () => string | null;
	/** A highlight was clicked: select its thread beside the editor. */
	onSelect: (threadId: string) => void;
	/** Threads whose text was deleted entirely, after each refresh. */
	onOrphans: (threadIds: ReadonlySet<string>) => void;
}

interface HighlightState {
	decorations: DecorationSet;
	/** Where each highlighted thread is now. */
	ranges: Map<string, { from: number; to: number }>;
}

export const commentHighlightsKey = new PluginKey<HighlightState>('commentHighlights');

interface SyncState {
	type: Y.XmlFragment;
	binding: { mapping: AnchorMapping } | null;
}

function syncStateOf(state: EditorState): SyncState | null {
	const sync = ySyncPluginKey.getState(state) as SyncState | undefined;
	return sync?.binding ? sync : null;
}

function compute(state: EditorState, options: CommentHighlightsOptions): HighlightState & { orphans: Set<string> } {
	const ranges = new Map<string, { from: number; to: number }>();
	const orphans = new Set<string>();
	const sync = syncStateOf(state);
	if (!sync) return { decorations: DecorationSet.empty, ranges, orphans };
	const active = options.activeId();
	const size = state.doc.content.size;
	const decorations: Decoration[] = [];
	for (const thread of options.threads()) {
		const range = resolveRange(sync.type, sync.binding!.mapping, thread.anchor);
		if (!range || range.from >= size) {
			orphans.add(thread.id);
			continue;
		}
		const to = Math.min(range.to, size);
		ranges.set(thread.id, { from: range.from, to });
		decorations.push(
			Decoration.inline(
				range.from,
				to,
				{ class: thread.id === active ? 'comment-anchor comment-anchor--active' : 'comment-anchor', 'data-comment-id': thread.id },
				{ threadId: thread.id }
			)
		);
	}
	return { decorations: DecorationSet.create(state.doc, decorations), ranges, orphans };
}

/**
 * Highlights the text each open comment thread is anchored to. Positions come from the threads'
 * Yjs relative positions through y-tiptap's mapping, which is current only once the sync plugin
 * has applied an edit to the Yjs document: so a local edit first maps the highlights as
 * ProseMirror does, and a refresh right after recomputes them from Yjs.
 */
export const CommentHighlights = Extension.create<CommentHighlightsOptions>({
	name: 'commentHighlights',

	addOptions() {
		return { threads: () => [], activeId: () => null, onSelect: () => {}, onOrphans: () => {} };
	},

	addProseMirrorPlugins() {
		const options = this.options;
		let lastOrphans = '';
		const report = (orphans: Set<string>) => {
			const key = [...orphans].sort().join(',');
			if (key === lastOrphans) return;
			lastOrphans = key;
			options.onOrphans(orphans);
		};
		return [
			new Plugin<HighlightState>({
				key: commentHighlightsKey,
				state: {
					init: (_config, state) => {
						const computed = compute(state, options);
						return { decorations: computed.decorations, ranges: computed.ranges };
					},
					apply: (tr, previous, _old, state) => {
						if (tr.getMeta(commentHighlightsKey) || tr.getMeta(ySyncPluginKey)) {
							const computed = compute(state, options);
							report(computed.orphans);
							return { decorations: computed.decorations, ranges: computed.ranges };
						}
						if (!tr.docChanged) return previous;
						const ranges = new Map<string, { from: number; to: number }>();
						for (const [id, range] of previous.ranges)
							ranges.set(id, { from: tr.mapping.map(range.from, 1), to: tr.mapping.map(range.to, -1) });
						return { decorations: previous.decorations.map(tr.mapping, tr.doc), ranges };
					}
				},
				view: () => {
					let pending: ReturnType<typeof setTimeout> | undefined;
					return {
						update: (view: EditorView, previous: EditorState) => {
							if (view.state.doc === previous.doc || pending) return;
							// After the sync plugin has written this edit into Yjs.
							pending = setTimeout(() => {
								pending = undefined;
								if (!view.isDestroyed) view.dispatch(view.state.tr.setMeta(commentHighlightsKey, 'refresh'));
							}, 0);
						},
						destroy: () => clearTimeout(pending)
					};
				},
				props: {
					decorations: (state) => commentHighlightsKey.getState(state)?.decorations,
					handleClick: (view, pos) => {
						const found = commentHighlightsKey.getState(view.state)?.decorations.find(pos, pos);
						if (!found?.length) return false;
						// The innermost (shortest) thread wins where highlights overlap.
						const chosen = found.reduce((best, next) => (next.to - next.from < best.to - best.from ? next : best));
						options.onSelect((chosen.spec as { threadId: string }).threadId);
						return false;
					}
				}
			})
		];
	}
});

/** Recomputes the highlights: the threads or the selected one changed. */
export function refreshCommentHighlights(editor: Editor): void {
	if (!editor.isDestroyed) editor.view.dispatch(editor.state.tr.setMeta(commentHighlightsKey, 'refresh'));
}

/** The current selection as a comment anchor, or null when nothing (or nothing anchorable) is selected. */
export function anchorOfSelection(editor: Editor): (EncodedRange & { quote: string }) | null {
	const { from, to, empty } = editor.state.selection;
	const sync = syncStateOf(editor.state);
	if (empty || !sync) return null;
	const quote = editor.state.doc.textBetween(from, to, ' ').trim();
	if (!quote) return null;
	return { ...encodeRange(sync.type, sync.binding!.mapping, from, to), quote };
}

/** Scrolls the editor to a thread's text, if it is still there. */
export function revealCommentRange(editor: Editor, threadId: string): void {
	const range = commentHighlightsKey.getState(editor.state)?.ranges.get(threadId);
	if (!range || editor.isDestroyed) return;
	const { node } = editor.view.domAtPos(range.from);
	const element = node instanceof Element ? node : node.parentElement;
	element?.scrollIntoView({ block: 'nearest', behavior: scrollBehavior() });
}
