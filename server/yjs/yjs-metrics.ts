import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The /metrics series of the Yjs endpoint (served by server/http-server.ts). */
export interface YjsMetrics {
	documentsLoaded: Gauge;
	connections: Gauge;
	updatesApplied: Counter;
	updatesDropped: Counter<'reason'>;
	connectionsClosed: Counter<'code'>;
	pendingUpdates: Gauge;
	flushSeconds: Histogram;
	flushFailures: Counter;
	compactions: Counter<'result'>;
}

/** Registers the series once per registry (a second endpoint on the same registry shares them). */
export function createYjsMetrics(registry: Registry): YjsMetrics {
	function metric<T>(name: string, make: () => T): T {
		return (registry.getSingleMetric(name) as T | undefined) ?? make();
	}
	const registers = [registry];
	return {
		documentsLoaded: metric(
			'tavolo_yjs_documents_loaded',
			() => new Gauge({ name: 'tavolo_yjs_documents_loaded', help: 'Yjs documents held in memory', registers })
		),
		connections: metric(
			'tavolo_yjs_connections',
			() => new Gauge({ name: 'tavolo_yjs_connections', help: 'Open /yjs WebSocket connections', registers })
		),
		updatesApplied: metric(
			'tavolo_yjs_updates_applied_total',
			() => new Counter({ name: 'tavolo_yjs_updates_applied_total', help: 'Client updates applied to a document', registers })
		),
		updatesDropped: metric(
			'tavolo_yjs_updates_dropped_total',
			() =>
				new Counter({
					name: 'tavolo_yjs_updates_dropped_total',
					help: 'Client updates not applied, by reason',
					labelNames: ['reason'] as const,
					registers
				})
		),
		connectionsClosed: metric(
			'tavolo_yjs_connections_closed_total',
			() =>
				new Counter({
					name: 'tavolo_yjs_connections_closed_total',
					help: 'Connections the server closed, by close code',
					labelNames: ['code'] as const,
					registers
				})
		),
		pendingUpdates: metric(
			'tavolo_yjs_persist_pending_updates',
			() =>
				new Gauge({
					name: 'tavolo_yjs_persist_pending_updates',
					help: 'Applied updates not yet committed to the database (persistence lag)',
					registers
				})
		),
		flushSeconds: metric(
			'tavolo_yjs_persist_flush_seconds',
			() =>
				new Histogram({
					name: 'tavolo_yjs_persist_flush_seconds',
					help: 'Duration of one group commit of Yjs updates',
					buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
					registers
				})
		),
		flushFailures: metric(
			'tavolo_yjs_persist_failures_total',
			() => new Counter({ name: 'tavolo_yjs_persist_failures_total', help: 'Group commits that failed and will be retried', registers })
		),
		compactions: metric(
			'tavolo_yjs_compactions_total',
			() =>
				new Counter({
					name: 'tavolo_yjs_compactions_total',
					help: 'Update-log compactions, by result',
					labelNames: ['result'] as const,
					registers
				})
		)
	};
}
