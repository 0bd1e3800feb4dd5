import { getSchema } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { draftExtensions } from '../../src/lib/documents/extensions.ts';
import { saved, type Client } from './yjs-harness.ts';

/** Long drafts for the diff and export tests (tests/integration/heavy-work.spec.ts, tests/faults/heavy-work-latency.fault.ts). */
const schema = getSchema(draftExtensions());

/** `words` words in paragraphs of 100, every word unique to `seed`: a rewrite shares none. */
export function longDraft(seed: string, words: number) {
	const paragraphs = [];
	for (let p = 0; p * 100 < words; p++) {
		const text = Array.from({ length: Math.min(100, words - p * 100) }, (_, w) => `${seed}${p}x${w}`).join(' ');
		paragraphs.push({ type: 'paragraph', content: [{ type: 'text', text }] });
	}
	return { type: 'doc', content: paragraphs };
}

/** Replaces the whole draft in one transaction, as pasting over everything would, and waits until it is saved. */
export async function writeDraft(client: Client, draft: { content: object[] }) {
	const fragment = client.doc.getXmlFragment('default');
	client.doc.transact(() => {
		fragment.delete(0, fragment.length);
		prosemirrorJSONToYXmlFragment(schema, draft, fragment);
	});
	await saved(client);
}

/** The value below which `share` of the samples lie. */
export function percentile(samples: number[], share: number): number {
	const sorted = [...samples].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))];
}
