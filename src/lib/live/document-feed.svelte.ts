import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { getSchema } from '@tiptap/core';
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import { draftExtensions, draftField } from '$lib/documents/extensions.ts';
import { serializeToHTML } from '$lib/documents/html-serializer.ts';

const schema = getSchema(draftExtensions());
/** How long a reader lets edits gather before rendering the text again. */
const renderDelayMs = 80;

/**
 * A draft read live for the room's centre column and the projector: the same `/yjs/<docName>`
 * sync as the editor, rendered to HTML by the serializer that renders versions and exports. It
 * never writes to the document (no editor, no local copy) and stays out of the editors' list.
 */
export class DocumentFeed {
	html = $state('');
	/** The server's copy arrived: until then the view shows a loading line. */
	synced = $state(false);
	readonly #doc = new Y.Doc();
	readonly #provider: WebsocketProvider;
	#pending: ReturnType<typeof setTimeout> | undefined;

	constructor(docName: string) {
		const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
		this.#provider = new WebsocketProvider(`${protocol}//${location.host}/yjs`, docName, this.#doc, {
			disableBc: true,
			maxBackoffTime: 10_000
		});
		// Tavolo's own notices (read-only, saved) are for editors: a reader does not ask for them (?tavolo=1).
		this.#provider.awareness.setLocalState(null);
		this.#provider.on('sync', (isSynced: boolean) => {
			if (isSynced) this.synced = true;
		});
		const fragment = this.#doc.getXmlFragment(draftField);
		const render = () => {
			this.#pending = undefined;
			this.html = serializeToHTML(schema, yXmlFragmentToProseMirrorRootNode(fragment, schema).content);
		};
		// A burst of keystrokes renders the whole text once, not once per keystroke.
		fragment.observeDeep(() => (this.#pending ??= setTimeout(render, renderDelayMs)));
		render();
	}

	destroy(): void {
		clearTimeout(this.#pending);
		this.#provider.destroy();
		this.#doc.destroy();
	}
}
