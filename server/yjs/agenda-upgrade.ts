import * as Y from 'yjs';
import { needsUpgrade, upgradeAgenda } from '../../src/lib/agenda/agenda-doc.ts';

/**
 * The Yjs client id of the upgrade made when an agenda is loaded: the same on every node, and
 * never a browser's in practice (browsers draw theirs at random from 2³²).
 */
export const agendaUpgradeClientId = 1;

/**
 * The update that upgrades a freshly loaded agenda (upgradeAgenda, scope 'all': plain-string
 * texts become Y.Texts, items get position keys), or null when it needs none. `doc` is not
 * changed: the caller applies the update, so it is persisted and relayed like any other.
 *
 * It is made on a copy under agendaUpgradeClientId, so two nodes loading the same stored agenda
 * at once make the same update, with the same Yjs ids, which Yjs integrates once. With the room's
 * own (random) client id each node would write a Y.Text of its own into the same field, and
 * whatever people typed into the one that lost would be gone.
 */
export function agendaLoadUpgrade(doc: Y.Doc): Uint8Array | null {
	if (!needsUpgrade(doc)) return null;
	const copy = new Y.Doc();
	try {
		Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
		// Set after the state is in: Yjs gives a document a new client id when a remote update
		// brings structs of its own id (an earlier upgrade of this agenda).
		copy.clientID = agendaUpgradeClientId;
		let update: Uint8Array | null = null;
		copy.on('update', (made: Uint8Array) => (update = made));
		upgradeAgenda(copy, 'all');
		return update;
	} finally {
		copy.destroy();
	}
}

/**
 * After a client's update: an older client may still write a plain-string text field. The room
 * turns it into a Y.Text at once, on the node that applied the update (and only there, so nodes
 * never race to convert it), as one update of its own. Browsers never convert (ytext-input.ts).
 */
export function upgradeTextsAfterUpdate(doc: Y.Doc, origin: unknown): boolean {
	return needsUpgrade(doc, 'texts') && upgradeAgenda(doc, 'texts', origin);
}
