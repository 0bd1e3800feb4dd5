import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';

/**
 * One client's entry in a y-protocols awareness update (awareness.js `encodeAwarenessUpdate`:
 * varUint count, then per client varUint clientID, varUint clock, varString JSON state).
 * Decoded by hand so the server can keep only the sender's own entry: the stock provider re-sends
 * every awareness change it hears, other clients' states included.
 */
export interface AwarenessEntry {
	clientId: number;
	clock: number;
	/** The state as JSON text; 'null' means the client left. */
	json: string;
}

/** Throws on a truncated or malformed update. */
export function decodeAwarenessEntries(update: Uint8Array): AwarenessEntry[] {
	const decoder = decoding.createDecoder(update);
	const count = decoding.readVarUint(decoder);
	const entries: AwarenessEntry[] = [];
	for (let i = 0; i < count; i++) {
		const clientId = decoding.readVarUint(decoder);
		const clock = decoding.readVarUint(decoder);
		const json = decoding.readVarString(decoder);
		entries.push({ clientId, clock, json });
	}
	return entries;
}

export function encodeAwarenessEntry(entry: AwarenessEntry): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, 1);
	encoding.writeVarUint(encoder, entry.clientId);
	encoding.writeVarUint(encoder, entry.clock);
	encoding.writeVarString(encoder, entry.json);
	return encoding.toUint8Array(encoder);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The state with `user.name` replaced by the session's name, so nobody can show up in the room as
 * someone else (cursor labels and the presence list read `user.name`). Throws on invalid JSON.
 */
export function withSessionName(json: string, name: string): string {
	const state: unknown = JSON.parse(json);
	if (!isRecord(state)) return json;
	const user = isRecord(state.user) ? state.user : {};
	return JSON.stringify({ ...state, user: { ...user, name } });
}
