import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Cluster } from '../cluster/cluster.ts';
import { closeRedis } from '../redis.ts';

/**
 * socket.io's adapter over Redis streams (`@socket.io/redis-streams-adapter`), on connections it
 * cannot leave behind. Version 0.3.1, the latest, has two gaps that show while Redis is away
 * (down, or accepting connections and not answering):
 * - it never handles two promises: SUBSCRIBE on its subscriber connection, and PUBLISH of the
 *   messages it sends over PUB/SUB (`fetchSockets`, `serverSideEmit`). ioredis queues both
 *   until Redis answers; when the server stops first, the disconnect rejects them ("Connection
 *   is closed.") and the process sees an unhandled rejection (seen in CI);
 * - its stream reader disconnects only once its pending XREAD returns, which with Redis away is
 *   never: the connection went on reconnecting after the server had closed.
 * So the adapter gets a connection of its own whose PUBLISH, SET and SUBSCRIBE log their failure,
 * and `close` (once socket.io has closed the adapter) ends every copy the adapter made (its reader
 * and its subscriber) and closes its own connection politely: the sessions of the sockets that
 * just left are still stored when Redis answers (bounded when it does not). Test:
 * tests/integration/rate-limits-redis.spec.ts, "stops without a stray rejection".
 */
export function createStreamsAdapter(cluster: Cluster, logger: Logger) {
	const connections: Redis[] = [];
	const log = logger.child({ component: 'socket.io-adapter' });

	/** `command` as ioredis has it, with its failure logged: what it returns is handled. */
	function handled(connection: Redis, command: 'publish' | 'set' | 'subscribe'): void {
		const send = connection[command] as (...args: unknown[]) => Promise<unknown>;
		const guardedSend = (...args: unknown[]) => {
			const reply = send.apply(connection, args);
			reply.catch((error: unknown) => log.warn({ err: error, command }, 'a Redis command of the socket.io adapter failed'));
			return reply;
		};
		Object.assign(connection, { [command]: guardedSend });
	}

	function tracked(connection: Redis): Redis {
		connections.push(connection);
		handled(connection, 'publish');
		handled(connection, 'set');
		handled(connection, 'subscribe');
		const duplicate = connection.duplicate;
		// The adapter's reader and subscriber: same settings, and the same guards.
		Object.assign(connection, { duplicate: (...args: Parameters<Redis['duplicate']>) => tracked(duplicate.apply(connection, args)) });
		return connection;
	}

	const connection = tracked(cluster.connect('socket.io'));
	return {
		adapter: createAdapter(connection, {
			streamName: `${cluster.prefix}:socket.io`,
			channelPrefix: `${cluster.prefix}:socket.io`,
			sessionKeyPrefix: `${cluster.prefix}:socket.io:session:`
		}),
		/** After io.close(): the copies end at once (their blocking XREAD fails, handled); the own connection waits for its replies, 1 s at most. */
		async close(): Promise<void> {
			const [own, ...copies] = connections.splice(0);
			for (const copy of copies) copy.disconnect();
			const gaveUp = new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref());
			await Promise.race([closeRedis(own), gaveUp]);
			own.disconnect();
		}
	};
}
