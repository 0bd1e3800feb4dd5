import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { IndexeddbPersistence } from 'y-indexeddb';
import type * as decoding from 'lib0/decoding';
import {
	isCoveredBy,
	messageDurable,
	messageReadOnly,
	tavoloNoticeParams,
	readDurable,
	readReadOnly,
	snapshotOfUpdates,
	yjsCloseCodes,
	type ReadOnlyReason
} from '$lib/realtime/yjs-messages.ts';
import { collabBackoff, jitterReconnects, type JitteredReconnect } from './reconnect-backoff.ts';

export type ConnectionState = 'connecting' | 'connected' | 'offline' | 'closed';

export interface Peer {
	clientId: number;
	name: string;
	color: string;
	isSelf: boolean;
}

export interface CollabUser {
	id: string;
	name: string;
	color: string;
}

/** Distinct, readable caret colours (WCAG AA contrast with white text). */
const palette = ['#0b5cad', '#a3112e', '#1b6e3a', '#7a3b9c', '#8a4b08', '#00607a', '#5b4fb5', '#9c2d6b'];

export function colorFor(userId: string): string {
	let hash = 0;
	for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
	return palette[hash % palette.length];
}

/**
 * One co-edited Yjs document in the browser: the y-websocket provider to `/yjs/<docName>`, a
 * y-indexeddb copy so edits survive a reload while offline, and the states the page shows —
 * connection, read-only (and why), saved (the server has committed every local edit), peers.
 */
export class CollabSession {
	readonly doc = new Y.Doc();
	readonly provider: WebsocketProvider;
	readonly local: IndexeddbPersistence;
	readonly #reconnect: JitteredReconnect;

	connection = $state<ConnectionState>('connecting');
	synced = $state(false);
	/**
	 * The document is there to edit: synced with the server once, or loaded from this browser's
	 * copy. Stays true offline, so people keep writing; the server merges it when they are back.
	 */
	ready = $state(false);
	readOnly = $state(false);
	readOnlyReason = $state<ReadOnlyReason>('');
	/** True when the server's durable snapshot covers everything in this browser's document. */
	saved = $state(false);
	/** Set when the server ended the connection for good (no longer a member, document too large…). */
	closedCode = $state<number | null>(null);
	peers = $state<Peer[]>([]);

	#durable: Y.Snapshot | null = null;
	/** This browser's own updates (typed here, or restored from IndexedDB) not yet seen saved. */
	#unsaved: Uint8Array[] = [];
	#savedCheck: ReturnType<typeof setTimeout> | undefined;

	constructor(docName: string, user: CollabUser) {
		// One IndexedDB store per user and document: another account on the same browser does not
		// open what the first one cached.
		this.local = new IndexeddbPersistence(`tavolo:${user.id}:${docName}`, this.doc);
		const protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
		this.provider = new WebsocketProvider(`${protocol}//${location.host}/yjs`, docName, this.doc, {
			// Tabs must not bypass the server (its read-only and size checks) through BroadcastChannel.
			disableBc: true,
			maxBackoffTime: collabBackoff.maxMs,
			// The editor wants the read-only notices and the durable acks ("Salvato").
			params: { ...tavoloNoticeParams }
		});
		// The provider's own backoff has no jitter: after a server restart every browser would
		// come back in the same instant, round after round.
		this.#reconnect = jitterReconnects(this.provider, collabBackoff);
		this.provider.messageHandlers[messageReadOnly] = (_encoder, decoder: decoding.Decoder) => {
			const notice = readReadOnly(decoder);
			this.readOnly = notice.readOnly;
			this.readOnlyReason = notice.reason;
		};
		this.provider.messageHandlers[messageDurable] = (_encoder, decoder: decoding.Decoder) => {
			this.#durable = readDurable(decoder);
			this.#checkSaved();
		};
		this.provider.awareness.setLocalStateField('user', { name: user.name, color: user.color });
		this.provider.on('status', ({ status }: { status: string }) => {
			this.connection = status === 'connected' ? 'connected' : status === 'connecting' ? 'connecting' : 'offline';
			this.#checkSaved();
		});
		this.provider.on('sync', (isSynced: boolean) => {
			this.synced = isSynced;
			if (isSynced) this.ready = true;
		});
		this.local.on('synced', () => {
			if (this.doc.store.clients.size > 0) this.ready = true;
		});
		this.provider.on('closed', ({ code }: { code: number }) => {
			this.closedCode = code;
			this.connection = 'closed';
			// The server refused this browser's edits (document too large, agenda made invalid):
			// kept here, they would be sent again, and refused again, after every reload. The page
			// asks for a reload, which then starts from what the server holds.
			if (code === yjsCloseCodes.tooLarge || code === yjsCloseCodes.invalidAgenda) void this.local.clearData();
		});
		this.provider.awareness.on('change', () => this.#updatePeers());
		// Updates from the provider are other people's: the server saved them before sending.
		this.doc.on('update', (update: Uint8Array, origin: unknown) => {
			if (origin === this.provider) return;
			this.#unsaved.push(update);
			this.#scheduleSavedCheck();
		});
		this.#updatePeers();
		// A socket can hang for tens of seconds after the network is gone before the provider's
		// watchdog notices; the browser knows at once, so follow it.
		addEventListener('offline', this.#onOffline);
		addEventListener('online', this.#onOnline);
		if (!navigator.onLine) this.#onOffline();
	}

	#onOffline = () => {
		this.#reconnect.cancel();
		this.provider.disconnect();
		this.connection = 'offline';
		this.saved = false;
	};

	#onOnline = () => {
		if (this.closedCode === null) this.#reconnect.connectNow();
	};

	#updatePeers(): void {
		const peers: Peer[] = [];
		for (const [clientId, state] of this.provider.awareness.getStates()) {
			const user = (state as { user?: { name?: unknown; color?: unknown } }).user;
			if (!user || typeof user.name !== 'string') continue;
			peers.push({
				clientId,
				name: user.name,
				color: typeof user.color === 'string' ? user.color : palette[0],
				isSelf: clientId === this.doc.clientID
			});
		}
		this.peers = peers.sort((a, b) => Number(b.isSelf) - Number(a.isSelf) || a.name.localeCompare(b.name));
	}

	// Merging the unsaved updates costs a little: at most a few times per second while typing.
	#scheduleSavedCheck(): void {
		this.saved = false;
		clearTimeout(this.#savedCheck);
		this.#savedCheck = setTimeout(() => this.#checkSaved(), 150);
	}

	#checkSaved(): void {
		if (this.connection !== 'connected') {
			this.saved = false;
			return;
		}
		if (this.#unsaved.length > 0 && this.#durable) {
			if (isCoveredBy(snapshotOfUpdates(this.#unsaved), this.#durable)) this.#unsaved = [];
		}
		this.saved = this.#durable !== null && this.#unsaved.length === 0;
	}

	destroy(): void {
		removeEventListener('offline', this.#onOffline);
		removeEventListener('online', this.#onOnline);
		clearTimeout(this.#savedCheck);
		this.#reconnect.cancel();
		this.provider.destroy();
		void this.local.destroy();
		this.doc.destroy();
	}
}
