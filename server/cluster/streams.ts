import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type StreamFields = Record<string, Buffer>;
export type StreamHandler = (id: string, fields: StreamFields) => void;

export interface StreamReaderOptions {
	/** The connection commands go through (XADD, the wake-ups). */
	commands: Redis;
	/** A connection of its own for the blocking XREAD. */
	reader: Redis;
	nodeId: string;
	/** This reader's own wake-up stream. */
	wakeKey: string;
	logger: Logger;
	/** How long one XREAD blocks when nothing arrives. */
	blockMs?: number;
	/** Entries read per stream per XREAD. */
	count?: number;
}

/**
 * True when a stream entry was written by this node: its first field is `n` with `ownId` (the
 * order cluster.ts writes). Checked on the raw reply, before any field is decoded, so reading its
 * own entries back costs a node one byte comparison each (every update a node relays comes back to
 * it in the same XREAD as the other nodes' ones).
 */
export function isOwnEntry(flat: Buffer[], ownId: Buffer): boolean {
	return flat.length >= 2 && flat[0].length === 1 && flat[0][0] === 0x6e /* n */ && ownId.equals(flat[1]);
}

/** An XREAD id meaning "everything from `ms` milliseconds since the epoch on". */
export function streamIdAt(ms: number): string {
	return `${Math.max(0, Math.floor(ms))}-0`;
}

function toFields(flat: Buffer[]): StreamFields {
	const fields: StreamFields = {};
	for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i].toString()] = flat[i + 1];
	return fields;
}

/**
 * One blocking XREAD loop over every stream this node follows (the cluster's event stream and
 * the Yjs stream of each open document). Each stream remembers the last id it read, so after a
 * Redis blip the loop resumes exactly where it was: entries added meanwhile are not lost as they
 * would be with PUB/SUB.
 *
 * A new subscription must be in the next XREAD at once. The loop also reads a wake-up stream of
 * its own; subscribing adds an entry to it, which ends the current XREAD. Redis runs commands one
 * at a time, so a wake-up sent just before the XREAD starts is still seen by it (no lost wake-up,
 * unlike CLIENT UNBLOCK).
 */
export class StreamReader {
	private readonly subscriptions = new Map<string, { lastId: string; handler: StreamHandler }>();
	private readonly wakeKey: string;
	private wakeLastId = '$';
	private readonly ownId: Buffer;
	private closed = false;
	private readonly loop: Promise<void>;
	private readonly options: StreamReaderOptions;

	constructor(options: StreamReaderOptions) {
		this.options = options;
		this.wakeKey = options.wakeKey;
		this.ownId = Buffer.from(options.nodeId);
		this.loop = this.run();
	}

	/** Follows `key` from `fromId` (exclusive), skipping this node's own entries; returns the unsubscribe. */
	subscribe(key: string, fromId: string, handler: StreamHandler): () => void {
		const subscription = { lastId: fromId, handler };
		this.subscriptions.set(key, subscription);
		this.wake();
		return () => {
			if (this.subscriptions.get(key) === subscription) this.subscriptions.delete(key);
		};
	}

	private wake(): void {
		if (this.closed) return;
		this.options.commands
			.xadd(this.wakeKey, 'MAXLEN', '~', '16', '*', 'w', '1')
			.catch((error: unknown) => this.options.logger.warn({ err: error }, 'redis wake-up failed'));
	}

	private async run(): Promise<void> {
		const { reader, logger } = this.options;
		// The wake stream's current end, so old wake-ups are not replayed.
		while (!this.closed && this.wakeLastId === '$') {
			try {
				const last = (await reader.xrevrange(this.wakeKey, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
				this.wakeLastId = last[0]?.[0] ?? '0-0';
			} catch (error) {
				if (this.closed) return;
				logger.warn({ err: error }, 'redis stream reader could not start; retrying');
				await new Promise((resolve) => setTimeout(resolve, 500));
			}
		}
		await reader.pexpire(this.wakeKey, 24 * 3_600_000).catch(() => undefined);
		while (!this.closed) {
			const keys = [this.wakeKey, ...this.subscriptions.keys()];
			const ids = [this.wakeLastId, ...[...this.subscriptions.values()].map((s) => s.lastId)];
			let result: Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
			try {
				result = (await reader.xreadBuffer(
					'COUNT',
					this.options.count ?? 500,
					'BLOCK',
					this.options.blockMs ?? 5_000,
					'STREAMS',
					...keys,
					...ids
				)) as typeof result;
			} catch (error) {
				if (this.closed) return;
				logger.warn({ err: error }, 'redis stream read failed; resuming from the last ids');
				await new Promise((resolve) => setTimeout(resolve, 200));
				continue;
			}
			for (const [rawKey, entries] of result ?? []) {
				const key = rawKey.toString();
				if (key === this.wakeKey) {
					const last = entries.at(-1);
					if (last) this.wakeLastId = last[0].toString();
					continue;
				}
				const subscription = this.subscriptions.get(key);
				if (!subscription) continue;
				const last = entries.at(-1);
				// Resumes after the last entry read, own entries included.
				if (last) subscription.lastId = last[0].toString();
				for (const [rawId, flat] of entries) {
					if (isOwnEntry(flat, this.ownId)) continue;
					const id = rawId.toString();
					try {
						subscription.handler(id, toFields(flat));
					} catch (error) {
						logger.error({ err: error, key }, 'redis stream entry could not be handled');
					}
				}
			}
		}
	}

	/** Ends the loop; the reader connection is closed by whoever owns it. */
	async close(): Promise<void> {
		this.closed = true;
		this.wake();
		this.options.reader.disconnect();
		// A command queued while Redis is away may never settle: the loop is not waited for long.
		await Promise.race([this.loop.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
	}
}
