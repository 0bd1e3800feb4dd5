import type { JSONContent } from '@tiptap/core';
import { diffMarkdown, type DiffLimits, type DraftDiff } from './diff.ts';
import { buildDocx } from './docx-export.ts';
import { buildPdf } from './pdf-export.ts';
import { buildMarkdown } from './markdown-export.ts';
import type { ExportMeta } from './export-meta.ts';
import { withExportableLinks } from './export-links.ts';
import { draftJsonFromUpdates, foldDraft, renderDraftJson } from './render.ts';

/**
 * The work that grows with a document's length (rendering a Yjs state, diffing, laying out a PDF
 * or DOCX), as plain data in and out, so it can run in a worker thread
 * (src/lib/server/heavy-work.ts, entry server/heavy-worker.ts) and never on the event loop.
 */

/**
 * A Yjs document as stored: a version's encoded state (one update), or a draft's snapshot and log
 * rows, folded here because that too grows with the text.
 */
export type StoredUpdates = Uint8Array[];

/** A comparison of a version's Markdown with a later version's, or with a draft's stored updates. */
export interface DiffTask {
	kind: 'diff';
	before: string;
	after: { markdown: string } | { updates: StoredUpdates };
	limits: DiffLimits;
}

export type ExportFormat = 'docx' | 'pdf' | 'md';

/** A document laid out as a file. */
export interface ExportTask {
	kind: 'export';
	format: ExportFormat;
	updates: StoredUpdates;
	meta: ExportMeta;
	/** Blocks printed after the text (the document's attachments, by title). */
	appendix?: JSONContent[];
}

/** A ProseMirror document already at hand (a convocation letter) laid out as a PDF or DOCX. */
export interface LayoutTask {
	kind: 'layout';
	format: 'docx' | 'pdf';
	json: JSONContent;
	meta: ExportMeta;
}

/** A draft frozen as a version: its stored updates folded into one state, and rendered. */
export interface FreezeTask {
	kind: 'freeze';
	updates: StoredUpdates;
}

export interface FrozenDraft {
	state: Uint8Array;
	html: string;
	markdown: string;
}

export type HeavyTask = DiffTask | ExportTask | LayoutTask | FreezeTask;
export type HeavyResult<T extends HeavyTask> = T extends DiffTask ? DraftDiff : T extends FreezeTask ? FrozenDraft : Uint8Array;

async function exportFile(task: ExportTask): Promise<Uint8Array> {
	// Links to anything but http, https and mailto lose their target in every format.
	const draft = draftJsonFromUpdates(task.updates);
	const withAppendix = task.appendix?.length ? { ...draft, content: [...(draft.content ?? []), ...task.appendix] } : draft;
	const json = withExportableLinks(withAppendix);
	if (task.format === 'docx') return buildDocx(json, task.meta);
	if (task.format === 'pdf') return buildPdf(json, task.meta);
	return new TextEncoder().encode(buildMarkdown(json, task.meta));
}

export async function runHeavyTask<T extends HeavyTask>(task: T): Promise<HeavyResult<T>> {
	if (task.kind === 'diff') {
		const after = 'markdown' in task.after ? task.after.markdown : renderDraftJson(draftJsonFromUpdates(task.after.updates)).markdown;
		return diffMarkdown(task.before, after, task.limits) as HeavyResult<T>;
	}
	if (task.kind === 'freeze') {
		const { state, json } = foldDraft(task.updates);
		const { html, markdown } = renderDraftJson(json);
		return { state, html, markdown } as HeavyResult<T>;
	}
	if (task.kind === 'layout') {
		const body = task.format === 'docx' ? await buildDocx(task.json, task.meta) : await buildPdf(task.json, task.meta);
		return body as HeavyResult<T>;
	}
	return (await exportFile(task)) as HeavyResult<T>;
}
