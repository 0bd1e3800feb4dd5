import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { agendaItems, readAgenda, type AgendaItem } from '$lib/agenda/agenda-doc.ts';

/**
 * The meeting's agenda read live, for a page that shows it without editing it (the projector):
 * the same `/yjs/<docName>` sync, but no local copy and no presence among the editors.
 */
export class AgendaFeed {
	items = $state<AgendaItem[]>([]);
	readonly #doc = new Y.Doc();
	readonly #provider: WebsocketProvider;

	constructor(docName: string) {
		const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
		this.#provider = new WebsocketProvider(`${protocol}//${location.host}/yjs`, docName, this.#doc, {
			disableBc: true,
			maxBackoffTime: 10_000
		});
		// Tavolo's own notices (read-only, saved) are for editors: a reader does not ask for them (?tavolo=1).
		// A projector is not an editor: keep it out of the "people in the document" list.
		this.#provider.awareness.setLocalState(null);
		const refresh = () => (this.items = readAgenda(this.#doc));
		agendaItems(this.#doc).observeDeep(refresh);
	}

	destroy(): void {
		this.#provider.destroy();
		this.#doc.destroy();
	}
}
