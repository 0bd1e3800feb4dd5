import * as syncProtocol from 'y-protocols/sync';
import * as decoding from 'lib0/decoding';
import { messageAuth, messageAwareness, messageQueryAwareness, messageSync, yjsCloseCodes } from '../../src/lib/realtime/yjs-messages.ts';
import { Refusal } from './connection.ts';

/** What one client frame asks of its room, decoded (Hocuspocus's MessageReceiver beside Document). */
export interface ReceivedMessageHandlers {
	/** Sync step 1: the client's state vector; the room answers with what the client lacks. */
	syncStep1(stateVector: Uint8Array): void;
	/** Sync step 2 or an update: document content from the client. */
	update(update: Uint8Array): void;
	/** An awareness update (y-protocols/awareness encoding). */
	awareness(update: Uint8Array): void;
	queryAwareness(): void;
}

/**
 * Decodes one y-websocket frame and makes the call it stands for. Throws a Refusal (4400) for a
 * message or sync type the protocol does not have, and lib0's decoding error for a truncated frame.
 */
export function receiveMessage(message: Uint8Array, handlers: ReceivedMessageHandlers): void {
	const decoder = decoding.createDecoder(message);
	const type = decoding.readVarUint(decoder);
	switch (type) {
		case messageSync: {
			const syncType = decoding.readVarUint(decoder);
			if (syncType === syncProtocol.messageYjsSyncStep1) return handlers.syncStep1(decoding.readVarUint8Array(decoder));
			if (syncType === syncProtocol.messageYjsSyncStep2 || syncType === syncProtocol.messageYjsUpdate) {
				return handlers.update(decoding.readVarUint8Array(decoder));
			}
			throw new Refusal(yjsCloseCodes.badMessage, 'unknown_sync_message');
		}
		case messageAwareness:
			return handlers.awareness(decoding.readVarUint8Array(decoder));
		case messageQueryAwareness:
			return handlers.queryAwareness();
		case messageAuth:
			// Only the server may deny permission; a client's auth message means nothing.
			return;
		default:
			throw new Refusal(yjsCloseCodes.badMessage, 'unknown_message_type');
	}
}
