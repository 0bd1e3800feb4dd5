import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import {
	messageAwareness,
	messageDurable,
	messageQueryAwareness,
	messageReadOnly,
	messageSync,
	readDurable,
	readReadOnly,
	type ReadOnlyNotice
} from '../../src/lib/realtime/yjs-messages.ts';
import type { RoomSocket } from '../../server/yjs/connection.ts';

/**
 * Connections to a DocRoom without a network (after tldraw sync-core's TestSocketPair): each pair
 * is a server end the room writes to and a client end with a real Y.Doc and Awareness speaking
 * y-protocols as the stock WebsocketProvider does. Nothing moves until `flush()`, which delivers
 * every queued frame, and every frame those cause, in order, until all is quiet: a test decides
 * exactly when the "network" runs and needs no timers.
 */
export class TestNetwork {
	private readonly pairs: TestSocketPair[] = [];

	/** A new pair; the client has not sent its greeting yet (see TestYjsClient.open). */
	connect(): TestSocketPair {
		const pair = new TestSocketPair();
		this.pairs.push(pair);
		return pair;
	}

	flush(): void {
		for (let rounds = 0; ; rounds++) {
			// Two clients echoing each other forever would be a bug in the room (or in a test).
			if (rounds > 10_000) throw new Error('the test network never went quiet');
			let moved = false;
			for (const pair of this.pairs) moved = pair.deliver() || moved;
			if (!moved) return;
		}
	}

	destroy(): void {
		for (const pair of this.pairs) pair.client.destroy();
	}
}

export interface CloseEvent {
	code: number;
	reason: string;
}

export class TestSocketPair {
	readonly server: TestServerSocket;
	readonly client: TestYjsClient;
	/** Frames in flight, each way. */
	readonly toServer: Uint8Array[] = [];
	readonly toClient: Uint8Array[] = [];
	/** A close started by either end, delivered to the other end after the frames sent before it. */
	private closing: { event: CloseEvent; by: 'server' | 'client' } | null = null;
	private closeDelivered = false;

	constructor() {
		this.server = new TestServerSocket(this);
		this.client = new TestYjsClient(this);
	}

	/** Called by the ends. */
	startClose(by: 'server' | 'client', event: CloseEvent): void {
		if (!this.closing) this.closing = { event, by };
	}

	get isClosing(): boolean {
		return this.closing !== null;
	}

	/** Moves what is queued; false when nothing was. */
	deliver(): boolean {
		let moved = false;
		while (this.toServer.length > 0) {
			const frame = this.toServer.shift()!;
			moved = true;
			if (this.server.readyState === this.server.OPEN) this.server.onMessage(frame);
		}
		while (this.toClient.length > 0) {
			const frame = this.toClient.shift()!;
			moved = true;
			this.client.receive(frame);
		}
		if (this.closing && !this.closeDelivered) {
			this.closeDelivered = true;
			moved = true;
			this.server.readyState = this.server.CLOSED;
			this.client.closed = this.closing.event;
			// ws emits 'close' on the server socket whichever end closed (sync-endpoint.ts leaves the room then).
			this.server.onClose();
		}
		return moved;
	}
}

/** The server end: what the room sees as its WebSocket. */
export class TestServerSocket implements RoomSocket {
	readonly OPEN = 1;
	readonly CLOSED = 3;
	readyState = 1;
	/** Set by a test to play a client that reads too slowly. */
	bufferedAmount = 0;
	/** Wired by the test to the room, as sync-endpoint.ts wires ws's 'message' and 'close'. */
	onMessage: (message: Uint8Array) => void = () => undefined;
	onClose: () => void = () => undefined;
	pings = 0;
	private readonly pair: TestSocketPair;

	constructor(pair: TestSocketPair) {
		this.pair = pair;
	}

	send(message: Uint8Array): void {
		if (this.readyState !== this.OPEN || this.pair.isClosing) return;
		// Copied, so the test sees the bytes as they were when sent.
		this.pair.toClient.push(message.slice());
	}

	close(code: number, reason: string): void {
		this.pair.startClose('server', { code, reason });
	}

	ping(): void {
		this.pings += 1;
	}

	terminate(): void {
		this.pair.startClose('server', { code: 1006, reason: '' });
	}
}

/** What each frame a client received was, in order. */
export type ReceivedKind = 'sync:1' | 'sync:2' | 'sync:update' | 'awareness' | 'query-awareness' | 'read-only' | 'durable' | 'other';

/**
 * A client end as the stock y-websocket WebsocketProvider behaves: sync step 1 (and its awareness)
 * on open, every local document update and every awareness change it hears sent on (other
 * clients' included, as the stock provider does), plus Tavolo's messages 100 and 101.
 */
export class TestYjsClient {
	readonly doc = new Y.Doc();
	readonly awareness = new awarenessProtocol.Awareness(this.doc);
	synced = false;
	readOnly: ReadOnlyNotice | null = null;
	/** Every durable ack (message 101) received, oldest first. */
	readonly acks: Y.Snapshot[] = [];
	/** The updates this client made itself, for "is it saved". */
	readonly own: Uint8Array[] = [];
	readonly received: ReceivedKind[] = [];
	closed: CloseEvent | null = null;
	private opened = false;
	private readonly pair: TestSocketPair;

	constructor(pair: TestSocketPair) {
		this.pair = pair;
		this.doc.on('update', (update: Uint8Array, origin: unknown) => {
			if (origin === this) return;
			this.own.push(update);
			this.sendSync((encoder) => syncProtocol.writeUpdate(encoder, update));
		});
		this.awareness.on('update', ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
			this.sendAwareness([...added, ...updated, ...removed]);
		});
	}

	get durable(): Y.Snapshot | null {
		return this.acks.at(-1) ?? null;
	}

	/** The socket opened: greet as the provider does. */
	open(): void {
		this.opened = true;
		this.sendSync((encoder) => syncProtocol.writeSyncStep1(encoder, this.doc));
		if (this.awareness.getLocalState() !== null) this.sendAwareness([this.doc.clientID]);
	}

	/** Any bytes, as one binary frame. */
	send(frame: Uint8Array): void {
		if (!this.opened || this.closed || this.pair.isClosing) return;
		this.pair.toServer.push(frame.slice());
	}

	/** The browser tab goes away: the server sees the socket close. */
	disconnect(): void {
		this.pair.startClose('client', { code: 1000, reason: '' });
	}

	receive(frame: Uint8Array): void {
		const decoder = decoding.createDecoder(frame);
		const type = decoding.readVarUint(decoder);
		switch (type) {
			case messageSync: {
				const reply = encoding.createEncoder();
				encoding.writeVarUint(reply, messageSync);
				const syncType = syncProtocol.readSyncMessage(decoder, reply, this.doc, this);
				this.received.push(
					syncType === syncProtocol.messageYjsSyncStep1
						? 'sync:1'
						: syncType === syncProtocol.messageYjsSyncStep2
							? 'sync:2'
							: 'sync:update'
				);
				if (syncType === syncProtocol.messageYjsSyncStep2) this.synced = true;
				if (encoding.length(reply) > 1) this.send(encoding.toUint8Array(reply));
				return;
			}
			case messageAwareness:
				this.received.push('awareness');
				awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this);
				return;
			case messageQueryAwareness:
				this.received.push('query-awareness');
				this.sendAwareness([...this.awareness.getStates().keys()]);
				return;
			case messageReadOnly:
				this.received.push('read-only');
				this.readOnly = readReadOnly(decoder);
				return;
			case messageDurable:
				this.received.push('durable');
				this.acks.push(readDurable(decoder));
				return;
			default:
				this.received.push('other');
		}
	}

	destroy(): void {
		this.awareness.destroy();
		this.doc.destroy();
	}

	private sendSync(write: (encoder: encoding.Encoder) => void): void {
		const encoder = encoding.createEncoder();
		encoding.writeVarUint(encoder, messageSync);
		write(encoder);
		this.send(encoding.toUint8Array(encoder));
	}

	private sendAwareness(clients: number[]): void {
		const encoder = encoding.createEncoder();
		encoding.writeVarUint(encoder, messageAwareness);
		encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
		this.send(encoding.toUint8Array(encoder));
	}
}
