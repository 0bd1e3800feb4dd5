import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getSchema } from '@tiptap/core';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { draftExtensions, draftField } from './extensions.ts';
import { plainText, renderDraftState } from './render.ts';

function stateOf(content: object[]): Uint8Array {
	const doc = new Y.Doc();
	prosemirrorJSONToYXmlFragment(getSchema(draftExtensions()), { type: 'doc', content }, doc.getXmlFragment(draftField));
	return Y.encodeStateAsUpdate(doc);
}

describe('renderDraftState', () => {
	it("renders the editor's Yjs fragment as HTML and Markdown", () => {
		const rendered = renderDraftState(
			stateOf([
				{ type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Impegni' }] },
				{
					type: 'paragraph',
					content: [
						{ type: 'text', text: 'Il Comune ' },
						{ type: 'text', text: 'coordina', marks: [{ type: 'italic' }] },
						{ type: 'text', text: ' <tutto>.' }
					]
				},
				{
					type: 'orderedList',
					content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'primo' }] }] }]
				}
			])
		);
		expect(rendered.html).toBe('<h2>Impegni</h2><p>Il Comune <em>coordina</em> &lt;tutto&gt;.</p><ol><li><p>primo</p></li></ol>');
		expect(rendered.markdown).toContain('## Impegni');
		expect(rendered.markdown).toContain('*coordina*');
		expect(rendered.markdown).toContain('1. primo');
		expect(plainText(rendered.json)).toBe('Impegni\nIl Comune coordina <tutto>.\nprimo');
	});

	it('renders an empty or never-written document as empty text', () => {
		const rendered = renderDraftState(Y.encodeStateAsUpdate(new Y.Doc()));
		expect(rendered.html).toBe('');
		expect(rendered.markdown.trim()).toBe('');
	});
});
