/**
 * One reader process of `npm run bench` (tests/load/bench.ts forks `--clients` of them): it holds
 * its share of a fan-out's stock `y-websocket` readers, so their decoding runs beside the server
 * on other processes, as real browsers would, instead of in the benchmark's own event loop.
 *
 * Over IPC: `connect` (the readers of one run, each with its server, document and headers)
 * answers `ready` once every reader is synced; `collect` answers `result` with every delivery's
 * latency and disconnects the readers. The writer stamps each update with its wall clock
 * (`performance.timeOrigin + performance.now()`, microsecond resolution), which every process on
 * the machine reads alike, so the latency is measured across processes without a shared clock.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

export interface ReaderTarget {
	url: string;
	docName: string;
	headers: Record<string, string>;
}

export type ToReaders = { type: 'connect'; readers: ReaderTarget[] } | { type: 'collect' } | { type: 'exit' };
export type FromReaders = { type: 'ready' } | { type: 'result'; latencies: number[] } | { type: 'error'; message: string };

/** Milliseconds since the epoch with sub-millisecond resolution; comparable across processes. */
const wallClock = () => performance.timeOrigin + performance.now();

function socketWithHeaders(headers: Record<string, string>) {
	return class extends WebSocket {
		constructor(url: string, protocols?: string | string[]) {
			super(url, protocols, { headers });
		}
	};
}

let providers: WebsocketProvider[] = [];
let latencies: number[] = [];

const send = (message: FromReaders) => process.send!(message);

async function connect(readers: ReaderTarget[]): Promise<void> {
	latencies = [];
	// Connected in batches so the connection burst itself is not what the server is busy with.
	for (let i = 0; i < readers.length; i += 25) {
		const batch = readers.slice(i, i + 25).map((target) => {
			const doc = new Y.Doc();
			const map = doc.getMap('bench');
			map.observe((event) => {
				if (event.transaction.local || !event.keysChanged.has('t')) return;
				latencies.push(wallClock() - (map.get('t') as number));
			});
			const provider = new WebsocketProvider(target.url, target.docName, doc, {
				WebSocketPolyfill: socketWithHeaders(target.headers) as never,
				disableBc: true
			});
			// Tavolo's own messages (read-only notice 100, durable ack 101): a reader ignores them.
			provider.messageHandlers[100] = () => {};
			provider.messageHandlers[101] = () => {};
			return provider;
		});
		providers.push(...batch);
		await Promise.all(batch.map((p) => new Promise<void>((resolve) => (p.synced ? resolve() : p.once('sync', () => resolve())))));
	}
}

process.on('message', (message: ToReaders) => {
	if (message.type === 'connect') {
		connect(message.readers).then(
			() => send({ type: 'ready' }),
			(error: unknown) => send({ type: 'error', message: String(error) })
		);
	} else if (message.type === 'collect') {
		for (const provider of providers) provider.destroy();
		providers = [];
		const result = latencies;
		latencies = [];
		send({ type: 'result', latencies: result });
	} else {
		process.exit(0);
	}
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
