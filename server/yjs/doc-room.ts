import type { Logger } from 'pino';
import * as Y from 'yjs';
import * as syncProtocol from 'y-protocols/sync';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import type { DocumentStatus } from '../../src/lib/domain/documents.ts';
import type { MeetingStatus } from '../../src/lib/domain/meetings.ts';
import type { DocRef } from '../../src/lib/realtime/doc-names.ts';
import {
	encodeDurable,
	encodeReadOnly,
	messageAwareness,
	messageSync,
	yjsCloseCodes,
	type ReadOnlyReason
} from '../../src/lib/realtime/yjs-messages.ts';
import type { CommitScheduler } from '../persistence/commit-scheduler.ts';
import type { YjsStore } from '../persistence/yjs-store.ts';
import type { DocChannel, DocRelay, RelayKind } from '../cluster/cluster.ts';
import { agendaLoadUpgrade, upgradeTextsAfterUpdate } from './agenda-upgrade.ts';
import { AwarenessGate } from './awareness-gate.ts';
import { Refusal, type Connection } from './connection.ts';
import { receiveMessage, type ReceivedMessageHandlers } from './message-receiver.ts';
import { RoomPersistence } from './room-persistence.ts';
import { UpdateGate } from './update-gate.ts';
import type { YjsLimits } from './limits.ts';
import type { YjsMetrics } from './yjs-metrics.ts';

export interface DocRoomOptions {
	docName: string;
	ref: DocRef;
	tableId: string;
	documentStatus: DocumentStatus | null;
	/** An agenda's meeting status (null for a document); kept current by the endpoint. */
	meetingStatus?: MeetingStatus | null;
	store: YjsStore;
	scheduler: CommitScheduler<Y.Snapshot>;
	limits: YjsLimits;
	logger: Logger;
	metrics: YjsMetrics;
	/** True once the endpoint shuts down: no compaction then, only the final flush. */
	isShuttingDown(): boolean;
	/** Called once, when the room left memory (its state is saved) or failed to load. */
	onGone(room: DocRoom): void;
	/** Tracks background work (compaction) so shutdown can wait for it. */
	track(work: Promise<unknown>): void;
	/** With REDIS_URL: the other nodes' updates and awareness for this document. */
	relay?: DocRelay;
}

/** Marks the transaction that applies the stored state: it is already in the database. */
const loadOrigin = Symbol('load');
/**
 * Another node's update or awareness, relayed over Redis: shown to this node's connections and
 * never relayed again. Updates are committed here too, not only by their own node: that node may
 * die before its group commit, while this node's durable acks (a snapshot of the whole document in
 * memory) already cover them and its clients never re-send what it already holds. Yjs folds the
 * duplicate rows.
 */
const relayOrigin = Symbol('relay');
/** The stored state applied again after a Redis gap (anti-entropy): like a relayed update. */
const resyncOrigin = Symbol('resync');
/**
 * The server's own upgrade of an agenda written by older versions (agenda-upgrade.ts): persisted
 * and relayed like a client's update; made while loading, it reaches clients in their first sync.
 */
const upgradeOrigin = Symbol('upgrade');

/**
 * The sync message carrying `update` ([messageSync, messageYjsUpdate, length, bytes]) written
 * straight into one Buffer: what lib0's encoder plus a Buffer wrapper would make, with one
 * allocation instead of three, once per update whatever the number of readers.
 */
export function syncUpdateMessage(update: Uint8Array): Buffer {
	const length = update.byteLength;
	let lengthBytes = 1;
	for (let n = length; n > 0x7f; n = Math.floor(n / 0x80)) lengthBytes += 1;
	const message = Buffer.allocUnsafe(2 + lengthBytes + length);
	message[0] = messageSync;
	message[1] = syncProtocol.messageYjsUpdate;
	let at = 2;
	let n = length;
	while (n > 0x7f) {
		message[at++] = 0x80 | (n & 0x7f);
		n = Math.floor(n / 0x80);
	}
	message[at++] = n;
	message.set(update, at);
	return message;
}

/**
 * One Yjs document in memory with its connections: the y-websocket protocol (sync + awareness)
 * with read-only connections and limits, fanning every change out to the other connections and
 * nodes. Frames are decoded by message-receiver.ts, awareness passes an AwarenessGate, and the
 * RoomPersistence keeps what is applied apart from what is committed (CONVENTIONS §19).
 *
 * Unlike the stock server's closeConn, the room leaves memory only when no connection is left AND
 * every applied update is committed; a failed save keeps it here until a retry succeeds.
 */
export class DocRoom {
	readonly docName: string;
	readonly ref: DocRef;
	readonly tableId: string;
	documentStatus: DocumentStatus | null;
	/** An agenda's meeting: while 'live', connections without mayReshape cannot add, remove or move items. */
	meetingStatus: MeetingStatus | null;
	readonly doc = new Y.Doc();
	readonly awareness = new awarenessProtocol.Awareness(this.doc);
	private readonly connections = new Set<Connection>();
	private state: 'loading' | 'ready' | 'gone' = 'loading';
	private readonly gate: AwarenessGate;
	/** Size and (for an agenda) shape of client updates, checked before they reach the document. */
	private readonly updates: UpdateGate;
	private readonly persistence: RoomPersistence;
	private readonly options: DocRoomOptions;
	private readonly channel: DocChannel | null;
	/** Relayed messages that arrived while the stored state was loading. */
	private relayedWhileLoading: Array<[RelayKind, Uint8Array]> = [];
	private resyncing = false;
	/** Server edits under way (`hold`): the room stays in memory until they are done, connected or not. */
	private holds = 0;
	/** Settles once the stored state is in (true) or could not be loaded (false). */
	private readonly loadedOnce: Promise<boolean>;
	private settleLoad: (loaded: boolean) => void = () => {};
	/** The connection whose message `handlers` is decoding (one at a time; set by `handle`). */
	private handling: Connection | null = null;
	/** Made once, not once per message: every update goes through them. */
	private readonly handlers: ReceivedMessageHandlers = {
		syncStep1: (stateVector) => {
			const reply = encoding.createEncoder();
			encoding.writeVarUint(reply, messageSync);
			syncProtocol.writeSyncStep2(reply, this.doc, stateVector);
			this.send(this.handling!, encoding.toUint8Array(reply));
		},
		update: (update) => this.applyClientUpdate(this.handling!, update),
		awareness: (update) => this.gate.receive(this.handling!, update),
		queryAwareness: () => this.send(this.handling!, this.awarenessMessage([...this.awareness.getStates().keys()]))
	};

	constructor(options: DocRoomOptions) {
		this.options = options;
		this.docName = options.docName;
		this.ref = options.ref;
		this.tableId = options.tableId;
		this.documentStatus = options.documentStatus;
		this.meetingStatus = options.meetingStatus ?? null;
		// The server has no presence of its own.
		this.awareness.setLocalState(null);
		this.gate = new AwarenessGate({ awareness: this.awareness, limits: options.limits, metrics: options.metrics });
		this.updates = new UpdateGate({ doc: this.doc, maxDocBytes: options.limits.yjsMaxDocBytes, agenda: options.ref.kind === 'agenda' });
		this.persistence = new RoomPersistence({
			docName: options.docName,
			doc: this.doc,
			store: options.store,
			scheduler: options.scheduler,
			compactAfter: options.limits.yjsCompactAfter,
			logger: options.logger,
			metrics: options.metrics,
			isShuttingDown: options.isShuttingDown,
			track: options.track,
			acknowledge: (writers, durable) => {
				const ack = encodeDurable(durable);
				for (const conn of writers) if (conn.notices && this.connections.has(conn)) this.send(conn, ack);
			},
			settled: () => this.maybeLeave()
		});
		this.doc.on('update', (update: Uint8Array, origin: unknown) => this.onDocUpdate(update, origin));
		this.awareness.on('update', (changes: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) =>
			this.onAwarenessUpdate(changes, origin)
		);
		this.loadedOnce = new Promise((resolve) => (this.settleLoad = resolve));
		options.metrics.documentsLoaded.inc();
		// Subscribed before loading, so nothing relayed between the load and the subscription is missed.
		this.channel = options.relay?.open(this.docName, (kind, payload) => this.receiveRelayed(kind, payload)) ?? null;
	}

	get size(): number {
		return this.connections.size;
	}

	get isGone(): boolean {
		return this.state === 'gone';
	}

	hasUnsaved(): boolean {
		return this.persistence.hasUnsaved();
	}

	connectionsOf(userId: string): Connection[] {
		return [...this.connections].filter((c) => c.user.id === userId);
	}

	allConnections(): Connection[] {
		return [...this.connections];
	}

	/** Reads the stored state; connections that joined meanwhile are greeted once it is in. */
	async load(): Promise<void> {
		try {
			const stored = await this.options.store.load(this.docName);
			if (stored) Y.applyUpdate(this.doc, stored.state, loadOrigin);
			this.persistence.loaded(stored?.tailRows ?? 0);
			if (this.ref.kind === 'agenda') this.upgradeAgenda();
		} catch (error) {
			this.options.logger.error({ err: error, docName: this.docName }, 'yjs document failed to load');
			for (const conn of this.allConnections()) this.close(conn, yjsCloseCodes.unavailable, 'load_failed');
			this.leaveMemory();
			return;
		}
		this.updates.loaded();
		this.state = 'ready';
		this.settleLoad(true);
		const relayed = this.relayedWhileLoading;
		this.relayedWhileLoading = [];
		for (const [kind, payload] of relayed) this.receiveRelayed(kind, payload);
		for (const conn of this.allConnections()) this.greet(conn);
		if (this.connections.size === 0) this.maybeLeave();
	}

	/**
	 * Before anyone is greeted: an agenda still holding plain-string texts (or items without a
	 * position key) is upgraded in one transaction. A failure is logged and the agenda served as
	 * it is (every reader accepts the old shape; browsers show such a field read-only).
	 */
	private upgradeAgenda(): void {
		try {
			const update = agendaLoadUpgrade(this.doc);
			if (update) Y.applyUpdate(this.doc, update, upgradeOrigin);
		} catch (error) {
			this.options.logger.error({ err: error, docName: this.docName }, 'agenda upgrade failed; served as stored');
		}
	}

	/** Resolves true once the document is loaded, false if it failed to load (the room is then gone). */
	whenLoaded(): Promise<boolean> {
		return this.loadedOnce;
	}

	/** Keeps the room in memory while the server edits it, even with nobody connected; `release` after. */
	hold(): void {
		this.holds += 1;
	}

	release(): void {
		this.holds -= 1;
		if (this.connections.size === 0) this.maybeLeave();
	}

	join(conn: Connection): void {
		this.connections.add(conn);
		this.persistence.joined();
		this.options.metrics.connections.inc();
		if (this.state === 'ready') this.greet(conn);
	}

	receive(conn: Connection, message: Uint8Array): void {
		if (conn.closed) return;
		if (this.state === 'loading') {
			if (conn.buffered.length >= this.options.limits.yjsLoadBufferMessages) {
				this.close(conn, yjsCloseCodes.loadBufferFull, 'load_buffer_full');
				return;
			}
			conn.buffered.push(message);
			return;
		}
		this.handle(conn, message);
	}

	/** The socket is closed (by either side): forget the connection and its presence. */
	leave(conn: Connection): void {
		if (!this.connections.delete(conn)) return;
		conn.closed = true;
		conn.buffered = [];
		this.options.metrics.connections.dec();
		this.gate.release(conn);
		if (this.connections.size === 0) this.maybeLeave();
	}

	/** Closes one connection with a named code; the room and the other connections go on. */
	close(conn: Connection, code: number, reason: string): void {
		if (conn.closed) return;
		this.options.metrics.connectionsClosed.inc({ code: String(code) });
		this.leave(conn);
		conn.socket.close(code, reason);
	}

	setReadOnly(conn: Connection, readOnly: boolean, reason: ReadOnlyReason): void {
		if (conn.readOnly === readOnly && conn.readOnlyReason === reason) return;
		conn.readOnly = readOnly;
		conn.readOnlyReason = reason;
		if (this.state === 'ready' && conn.notices) this.send(conn, encodeReadOnly({ readOnly, reason }));
	}

	private greet(conn: Connection): void {
		const step1 = encoding.createEncoder();
		encoding.writeVarUint(step1, messageSync);
		syncProtocol.writeSyncStep1(step1, this.doc);
		this.send(conn, encoding.toUint8Array(step1));
		const states = this.awareness.getStates();
		if (states.size > 0) this.send(conn, this.awarenessMessage([...states.keys()]));
		// Tavolo's own notices only to a connection that asked (`?tavolo=1`): a stock client sees types 0–3.
		if (conn.notices && conn.readOnly) this.send(conn, encodeReadOnly({ readOnly: true, reason: conn.readOnlyReason }));
		const durable = this.persistence.durable;
		if (conn.notices && durable) this.send(conn, encodeDurable(durable));
		const buffered = conn.buffered;
		conn.buffered = [];
		for (const message of buffered) {
			if (conn.closed) break;
			this.handle(conn, message);
		}
	}

	private handle(conn: Connection, message: Uint8Array): void {
		this.handling = conn;
		try {
			receiveMessage(message, this.handlers);
		} catch (error) {
			if (error instanceof Refusal) {
				this.options.logger.warn({ docName: this.docName, userId: conn.user.id, reason: error.reason }, 'yjs connection refused');
				this.close(conn, error.code, error.reason);
			} else {
				this.options.logger.warn(
					{ err: error, docName: this.docName, userId: conn.user.id, bytes: message.byteLength },
					'yjs malformed message'
				);
				this.close(conn, yjsCloseCodes.badMessage, 'bad_message');
			}
		} finally {
			this.handling = null;
		}
	}

	private applyClientUpdate(conn: Connection, update: Uint8Array): void {
		if (conn.readOnly) {
			// Observers and final documents: dropped, never applied nor persisted. The connection
			// stays open so the reader keeps receiving everyone else's edits.
			this.options.metrics.updatesDropped.inc({ reason: 'read_only' });
			return;
		}
		const structureLocked = this.ref.kind === 'agenda' && this.meetingStatus === 'live' && !conn.mayReshape;
		this.updates.apply(update, conn, conn.mayRecover, structureLocked);
		this.options.metrics.updatesApplied.inc();
		if (this.ref.kind === 'agenda') upgradeTextsAfterUpdate(this.doc, upgradeOrigin);
	}

	/** Another node's message for this document (see server/cluster/README.md). */
	private receiveRelayed(kind: RelayKind, payload: Uint8Array): void {
		if (this.state === 'gone') return;
		if (this.state === 'loading') {
			this.relayedWhileLoading.push([kind, payload]);
			return;
		}
		try {
			if (kind === 'awareness') {
				awarenessProtocol.applyAwarenessUpdate(this.awareness, payload, relayOrigin);
				return;
			}
			Y.applyUpdate(this.doc, payload, relayOrigin);
		} catch (error) {
			this.options.logger.error({ err: error, docName: this.docName, kind }, 'relayed yjs message could not be applied');
			return;
		}
		// An update whose predecessors never arrived (trimmed from the stream, lost in a Redis
		// restart) waits in Yjs's pending structs: the stored state fills the gap.
		if (this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null) this.resync();
	}

	/**
	 * Anti-entropy against PostgreSQL: applies the stored state again, so whatever another node
	 * committed reaches this node's connections even if its relayed message was lost. Yjs skips
	 * what the document already holds, so this only ever adds what was missing.
	 */
	resync(): void {
		if (this.state !== 'ready' || this.resyncing) return;
		this.resyncing = true;
		const work = this.options.store.load(this.docName).then(
			(stored) => {
				if (stored && this.state === 'ready') Y.applyUpdate(this.doc, stored.state, resyncOrigin);
			},
			(error: unknown) => this.options.logger.warn({ err: error, docName: this.docName }, 'yjs resync failed; the next one retries')
		);
		this.options.track(work.finally(() => (this.resyncing = false)));
	}

	private onDocUpdate(update: Uint8Array, origin: unknown): void {
		if (origin === loadOrigin) return;
		if (origin !== resyncOrigin) {
			this.persistence.applied(update, this.connections.has(origin as Connection) ? (origin as Connection) : null);
			if (origin !== relayOrigin) this.channel?.publish('update', update);
		}
		// Connections that joined while loading get everything in their first sync.
		if (this.state === 'loading') return;
		this.broadcast(syncUpdateMessage(update), origin);
	}

	private onAwarenessUpdate(changes: { added: number[]; updated: number[]; removed: number[] }, origin: unknown): void {
		const clients = [...changes.added, ...changes.updated, ...changes.removed];
		// A timeout is each node's own view of a silent client; relaying it could remove a state
		// another node has just renewed (same clock, null state wins).
		if (this.channel && origin !== relayOrigin && origin !== 'timeout') {
			this.channel.publish('awareness', awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
		}
		this.broadcast(this.awarenessMessage(clients), origin);
	}

	private awarenessMessage(clients: number[]): Uint8Array {
		const encoder = encoding.createEncoder();
		encoding.writeVarUint(encoder, messageAwareness);
		encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
		return encoding.toUint8Array(encoder);
	}

	/**
	 * One message to every connection but `except`. The bytes are wrapped in a Buffer once, not
	 * once per socket by ws, and sends carry no callback: a failed write closes the socket, whose
	 * 'close' handler (sync-endpoint.ts) takes the connection out of the room.
	 */
	private broadcast(message: Uint8Array, except: unknown): void {
		const bytes = Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength);
		for (const conn of this.connections) {
			if (conn !== except) this.send(conn, bytes);
		}
	}

	private send(conn: Connection, message: Uint8Array): void {
		if (conn.closed || conn.socket.readyState !== conn.socket.OPEN) return;
		// A reader that cannot keep up would make the server hold its whole backlog; it is closed
		// instead and re-syncs (only the difference) when it reconnects.
		const { yjsMaxDocBytes, yjsMaxFrameBytes } = this.options.limits;
		if (conn.socket.bufferedAmount > yjsMaxDocBytes + yjsMaxFrameBytes) {
			this.close(conn, yjsCloseCodes.slowConsumer, 'slow_consumer');
			return;
		}
		conn.socket.send(message);
	}

	/** The last connection left: leave memory once everything is committed (RoomPersistence.readyToLeave). */
	private maybeLeave(): void {
		if (this.state !== 'ready' || this.connections.size > 0 || this.holds > 0) return;
		if (this.persistence.readyToLeave()) this.leaveMemory();
	}

	/** Drops the document from memory: only called with nothing unsaved (or nothing loaded). */
	leaveMemory(): void {
		if (this.state === 'gone') return;
		this.state = 'gone';
		this.settleLoad(false);
		this.channel?.close();
		this.awareness.destroy();
		this.updates.destroy();
		this.doc.destroy();
		this.options.metrics.documentsLoaded.dec();
		this.options.onGone(this);
	}
}
