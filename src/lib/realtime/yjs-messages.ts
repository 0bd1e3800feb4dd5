import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

/**
 * The wire vocabulary of `/yjs/<docName>`, shared by the browser and server/yjs/.
 *
 * Types 0–3 are the standard y-websocket protocol (y-protocols sync and awareness), so the stock
 * `WebsocketProvider` works unchanged. Types 100 and 101 are Tavolo's own and go only to a
 * connection that asked for them with `?tavolo=1` (`tavoloNoticeParams`): the stock provider logs
 * "Unable to compute message" for a type it does not know, so a client that did not ask sees a
 * plain y-websocket conversation. Tavolo's editor asks, and registers handlers for them
 * (`provider.messageHandlers[messageReadOnly] = …`).
 */
export const messageSync = 0;
export const messageAwareness = 1;
/** y-protocols/auth; the server never sends it (read-only is not a denial of the document). */
export const messageAuth = 2;
export const messageQueryAwareness = 3;
/** Server → client: the connection is (or stopped being) read-only. Payload: see encodeReadOnly. */
export const messageReadOnly = 100;
/** Server → client: everything covered by this Y snapshot is committed to the database. */
export const messageDurable = 101;

/**
 * The query parameters (`params` of the provider) that ask the server for types 100 and 101:
 * `/yjs/<docName>?tavolo=1`. Without them a connection gets only types 0–3.
 */
export const tavoloNoticeParams: Readonly<Record<string, string>> = { tavolo: '1' };

/** Whether an upgrade's URL asked for Tavolo's notices (`?tavolo=1`). */
export function wantsTavoloNotices(url: string | undefined): boolean {
	const query = (url ?? '').split('?')[1];
	return query !== undefined && new URLSearchParams(query).get('tavolo') === '1';
}

/**
 * Close codes of `/yjs`, after Hocuspocus's CloseEvents.ts. The stock provider does not reconnect
 * after a 4400–4499 code (the server's decision, reconnecting cannot fix it) and does reconnect
 * after anything else, so "try again later" conditions use 4500–4599 or 1013.
 */
export const yjsCloseCodes = {
	/** ws `maxPayload` (TAVOLO_YJS_MAX_FRAME_BYTES); sent by the ws library itself. */
	frameTooLarge: 1009,
	/** The server is shutting down; the provider reconnects to the next process. */
	goingAway: 1001,
	/** The client reads too slowly: its send buffer passed the cap. */
	slowConsumer: 1013,
	/** A frame that does not decode as a y-websocket message. */
	badMessage: 4400,
	/** The session ended (logout): the connection belongs to nobody any more. */
	sessionEnded: 4401,
	/** The user is no longer a member of the document's table. */
	forbidden: 4403,
	/** An update would make the document's encoded state pass TAVOLO_YJS_MAX_DOC_BYTES, or an
	 * awareness state passes TAVOLO_YJS_MAX_AWARENESS_BYTES. */
	tooLarge: 4413,
	/** An update would break the agenda's shape (an entry that is not an item, a wrong or over-long
	 * field, more than agendaLimits.itemsMax items): server/yjs/update-gate.ts. */
	invalidAgenda: 4422,
	/** More than TAVOLO_YJS_LOAD_BUFFER_MESSAGES messages while the document was loading. */
	loadBufferFull: 4429,
	/** The document could not be loaded (database unreachable); the provider retries. */
	unavailable: 4503
} as const;

/** Why a connection is read-only: the role cannot edit, the document is final, or the meeting of an agenda has ended. */
export type ReadOnlyReason = 'observer' | 'final' | 'closed' | '';

export interface ReadOnlyNotice {
	readOnly: boolean;
	/** Why: the user's role cannot edit (`observer`), the document is final, or the agenda's meeting ended (`closed`). Empty when writable. */
	reason: ReadOnlyReason;
}

/** type 100, varUint 1|0, varString reason */
export function encodeReadOnly(notice: ReadOnlyNotice): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, messageReadOnly);
	encoding.writeVarUint(encoder, notice.readOnly ? 1 : 0);
	encoding.writeVarString(encoder, notice.reason);
	return encoding.toUint8Array(encoder);
}

/** Reads the payload after the message type (the decoder a provider handler receives). */
export function readReadOnly(decoder: decoding.Decoder): ReadOnlyNotice {
	const readOnly = decoding.readVarUint(decoder) === 1;
	const reason = decoding.readVarString(decoder);
	return { readOnly, reason: reason === 'observer' || reason === 'final' || reason === 'closed' ? reason : '' };
}

/**
 * type 101, varUint8Array(Y.encodeSnapshot(durable)). A snapshot (state vector + delete set)
 * rather than a bare state vector: a delete-only edit advances no clock, and the editor must
 * still know when the server has it.
 */
export function encodeDurable(durable: Y.Snapshot): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, messageDurable);
	encoding.writeVarUint8Array(encoder, Y.encodeSnapshot(durable));
	return encoding.toUint8Array(encoder);
}

export function readDurable(decoder: decoding.Decoder): Y.Snapshot {
	return Y.decodeSnapshot(decoding.readVarUint8Array(decoder));
}

/** Splits a whole message into its type and a decoder positioned on the payload. */
export function openMessage(message: Uint8Array): { type: number; decoder: decoding.Decoder } {
	const decoder = decoding.createDecoder(message);
	return { type: decoding.readVarUint(decoder), decoder };
}

/**
 * True when everything in `local` (usually `Y.snapshot(doc)` of the browser's doc) is covered
 * by the server's durable snapshot: every clock reached and every deletion recorded. This is when
 * the editor may say "Salvato".
 */
export function isCoveredBy(local: Y.Snapshot, durable: Y.Snapshot): boolean {
	for (const [client, clock] of local.sv) {
		if ((durable.sv.get(client) ?? 0) < clock) return false;
	}
	for (const [client, items] of local.ds.clients) {
		const covering = durable.ds.clients.get(client) ?? [];
		for (const item of items) {
			if (!rangeCovered(covering, item.clock, item.clock + item.len)) return false;
		}
	}
	return true;
}

/**
 * What a set of updates contains, as a snapshot (clocks + deletions): a client compares the
 * snapshot of its own unsaved updates with the durable ack, since acks go only to a commit's
 * writers and need not cover what other people wrote since.
 */
export function snapshotOfUpdates(updates: Uint8Array[]): Y.Snapshot {
	const { structs, ds } = Y.decodeUpdate(Y.mergeUpdates(updates));
	// Not Y.encodeStateVectorFromUpdate: it counts a client's clock only from 0, so the updates of
	// an editor after its first "Salvato" (which start further on) gave an empty state vector,
	// covered by any ack: "Salvato" before the server had them. The end of the furthest struct
	// per client is what an ack must reach (its state vector is contiguous from 0).
	const sv = new Map<number, number>();
	for (const struct of structs) {
		const end = struct.id.clock + struct.length;
		if (end > (sv.get(struct.id.client) ?? 0)) sv.set(struct.id.client, end);
	}
	return Y.createSnapshot(ds, sv);
}

/** `ranges` is sorted and merged (Y.snapshot and the decoder both give it so). */
function rangeCovered(ranges: ReadonlyArray<{ clock: number; len: number }>, start: number, end: number): boolean {
	let cursor = start;
	for (const range of ranges) {
		if (range.clock > cursor) break;
		if (range.clock + range.len > cursor) cursor = range.clock + range.len;
		if (cursor >= end) return true;
	}
	return cursor >= end;
}
