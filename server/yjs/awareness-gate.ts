import * as awarenessProtocol from 'y-protocols/awareness';
import { yjsCloseCodes } from '../../src/lib/realtime/yjs-messages.ts';
import { decodeAwarenessEntries, encodeAwarenessEntry, withSessionName, type AwarenessEntry } from './awareness-entries.ts';
import { Refusal, type Connection } from './connection.ts';
import type { YjsLimits } from './limits.ts';
import type { YjsMetrics } from './yjs-metrics.ts';

export interface AwarenessGateOptions {
	/** The room's awareness: what passes the gate is applied to it, with the connection as origin. */
	awareness: awarenessProtocol.Awareness;
	limits: Pick<YjsLimits, 'yjsMaxAwarenessBytes' | 'yjsAwarenessPerSecond'>;
	metrics: Pick<YjsMetrics, 'updatesDropped'>;
}

/** One connection's awareness as the gate tracks it. */
interface Speaker {
	/** The awareness clientID this connection speaks for; bound by its first own state. */
	clientId: number | null;
	windowStart: number;
	inWindow: number;
	/** The newest entry held back by the rate cap; older held ones are superseded. */
	held: AwarenessEntry | null;
	heldTimer: NodeJS.Timeout | undefined;
}

/**
 * What a room lets through of its connections' awareness (CONVENTIONS §19): each connection
 * speaks for one clientID, its state is at most TAVOLO_YJS_MAX_AWARENESS_BYTES (else 4413), carries
 * the session's name, and changes at most TAVOLO_YJS_AWARENESS_PER_SECOND times a second.
 */
export class AwarenessGate {
	private readonly speakers = new Map<Connection, Speaker>();
	/** clientID → user id of every awareness client seen here, so echoes cannot claim it later. */
	private readonly owners = new Map<number, string>();
	private readonly options: AwarenessGateOptions;

	constructor(options: AwarenessGateOptions) {
		this.options = options;
	}

	/** An awareness update from `conn`. Throws a Refusal when its own state is too large. */
	receive(conn: Connection, update: Uint8Array): void {
		const entries = decodeAwarenessEntries(update);
		for (const entry of entries) {
			if (!this.speaksFor(conn, entry)) continue;
			if (Buffer.byteLength(entry.json) > this.options.limits.yjsMaxAwarenessBytes) {
				throw new Refusal(yjsCloseCodes.tooLarge, 'awareness_too_large');
			}
			const own = { ...entry, json: entry.json === 'null' ? entry.json : withSessionName(entry.json, conn.user.name) };
			this.rateLimited(conn, own);
		}
	}

	/** The connection left: drop what it held back and remove its presence (the others see it go). */
	release(conn: Connection): void {
		const speaker = this.speakers.get(conn);
		if (!speaker) return;
		this.speakers.delete(conn);
		if (speaker.heldTimer) clearTimeout(speaker.heldTimer);
		if (speaker.clientId !== null) {
			awarenessProtocol.removeAwarenessStates(this.options.awareness, [speaker.clientId], null);
		}
	}

	private speakerOf(conn: Connection): Speaker {
		let speaker = this.speakers.get(conn);
		if (!speaker) {
			speaker = { clientId: null, windowStart: 0, inWindow: 0, held: null, heldTimer: undefined };
			this.speakers.set(conn, speaker);
		}
		return speaker;
	}

	/**
	 * One awareness clientID per connection: the first one it sends a state for, unless another
	 * connection owns it or a different user owned it before (the stock provider re-sends other
	 * clients' states, which must not let anyone speak for them). Entries for other ids are ignored.
	 */
	private speaksFor(conn: Connection, entry: AwarenessEntry): boolean {
		const speaker = this.speakerOf(conn);
		if (speaker.clientId !== null) return speaker.clientId === entry.clientId;
		if (entry.json === 'null') return false;
		const owner = this.owners.get(entry.clientId);
		if (owner !== undefined && owner !== conn.user.id) return false;
		for (const [other, { clientId }] of this.speakers) {
			if (other !== conn && clientId === entry.clientId) return false;
		}
		speaker.clientId = entry.clientId;
		this.owners.set(entry.clientId, conn.user.id);
		return true;
	}

	/** TAVOLO_YJS_AWARENESS_PER_SECOND: beyond it the newest state waits for the next second. */
	private rateLimited(conn: Connection, entry: AwarenessEntry): void {
		const speaker = this.speakerOf(conn);
		const now = Date.now();
		if (now - speaker.windowStart >= 1000) {
			speaker.windowStart = now;
			speaker.inWindow = 0;
		}
		if (speaker.inWindow < this.options.limits.yjsAwarenessPerSecond && !speaker.held) {
			speaker.inWindow += 1;
			awarenessProtocol.applyAwarenessUpdate(this.options.awareness, encodeAwarenessEntry(entry), conn);
			return;
		}
		speaker.held = entry;
		if (speaker.heldTimer) return;
		this.options.metrics.updatesDropped.inc({ reason: 'awareness_rate' });
		speaker.heldTimer = setTimeout(
			() => {
				speaker.heldTimer = undefined;
				const held = speaker.held;
				speaker.held = null;
				if (held && !conn.closed) this.rateLimited(conn, held);
			},
			speaker.windowStart + 1000 - now
		);
		speaker.heldTimer.unref();
	}
}
