/**
 * `npx tsx tests/load/bench-summary.ts run1.json run2.json …`: the summary table of several
 * `npm run bench` runs (each written with BENCH_JSON=file), one row per measure, Tavolo against
 * the stock server, each figure the median over the runs. Ratios are the median of each run's own
 * ratio (the two servers compared within one run, under that run's load). Prints markdown.
 */
import { readFile } from 'node:fs/promises';

interface Latency {
	server: string;
	clients: number;
	p50: number;
	p99: number;
	delivered: number;
	expected: number;
	relayLag?: { meanMs: number; p99UpToMs: number | null };
}
interface Run {
	minutes: number;
	loadAverage: number[];
	fanOut: Latency[];
	twoNodes: Latency[];
	idle: Array<{ server: string; kibPerConnection: number }>;
	burst: { voters: number; ackP99: number } | null;
	cold: Array<{ rows: number; compacted: boolean; stock: number[]; ours: number[] }>;
}

const runs: Run[] = await Promise.all(process.argv.slice(2).map(async (file) => JSON.parse(await readFile(file, 'utf8')) as Run));
if (runs.length === 0) {
	console.error('usage: tsx tests/load/bench-summary.ts run1.json [run2.json …]');
	process.exit(1);
}

function median(values: number[]): number {
	const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	const mid = sorted.length / 2;
	return Number.isInteger(mid) ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[Math.floor(mid)];
}
const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '–');
const ratio = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');
/** The median ratio, then each run's own, so the spread shows. */
const ratios = (perRun: number[]) =>
	`${ratio(median(perRun))} (${perRun.map((v) => (Number.isFinite(v) ? v.toFixed(2) : '–')).join(', ')})`;
/** Bucket bounds; JSON writes the +Inf bucket as null. The larger of the runs' bounds. */
const p99Bound = (bounds: Array<number | null>) => {
	const worst = Math.max(...bounds.map((b) => b ?? Infinity));
	return Number.isFinite(worst) ? `≤ ${worst} ms` : '> 1000 ms (beyond the last bucket)';
};
const met = (ok: boolean) => (ok ? 'met' : '**not met**');

const rows: string[] = [];
const clientCounts = [...new Set(runs.flatMap((r) => r.fanOut.map((f) => f.clients)))].sort((a, b) => a - b);
for (const clients of clientCounts) {
	const of = (run: Run, prefix: string, list: Latency[] = run.fanOut) =>
		list.find((f) => f.clients === clients && f.server.startsWith(prefix));
	const stock = runs.map((r) => of(r, 'stock')?.p99 ?? NaN);
	const ours = runs.map((r) => of(r, 'Tavolo')?.p99 ?? NaN);
	const perRun = runs.map((_, i) => ours[i] / stock[i]);
	rows.push(
		`| Fan-out p99, ${clients} readers, one node | ${ms(median(ours))} | ${ms(median(stock))} | ${ratios(perRun)} | ≤ 0.8× | ${met(median(perRun) <= 0.8)} |`
	);
}
for (const clients of clientCounts) {
	const two = runs.map((r) => r.twoNodes.find((f) => f.clients === clients)?.p99 ?? NaN);
	if (!two.some(Number.isFinite)) continue;
	const stock = runs.map((r) => r.fanOut.find((f) => f.clients === clients && f.server.startsWith('stock'))?.p99 ?? NaN);
	const perRun = runs.map((_, i) => two[i] / stock[i]);
	rows.push(
		`| Fan-out p99, ${clients} readers, two nodes (stock: its one process) | ${ms(median(two))} | ${ms(median(stock))} | ${ratios(perRun)} | ≤ 0.8× (as one node) | ${met(median(perRun) <= 0.8)} |`
	);
}
for (const clients of clientCounts) {
	const stock = runs.map((r) => r.fanOut.find((f) => f.clients === clients && f.server.startsWith('stock'))?.p50 ?? NaN);
	const one = runs.map((r) => r.fanOut.find((f) => f.clients === clients && f.server.startsWith('Tavolo'))?.p50 ?? NaN);
	const two = runs.map((r) => r.twoNodes.find((f) => f.clients === clients)?.p50 ?? NaN);
	rows.push(
		`| Fan-out p50, ${clients} readers: one node${two.some(Number.isFinite) ? ' / two nodes' : ''} | ${ms(median(one))}${two.some(Number.isFinite) ? ` / ${ms(median(two))}` : ''} | ${ms(median(stock))} | ${ratios(runs.map((_, i) => one[i] / stock[i]))} (one node) | – (reported) | – |`
	);
}
for (const clients of clientCounts) {
	const lags = runs.map((r) => r.twoNodes.find((f) => f.clients === clients)?.relayLag).filter((l) => l !== undefined);
	if (lags.length === 0) continue;
	rows.push(
		`| Redis relay lag at node B, ${clients} readers (mean; p99 bucket bound, worst run) | ${ms(median(lags.map((l) => l.meanMs)))}; p99 ${p99Bound(lags.map((l) => l.p99UpToMs))} | – (no relay) | – | – (reported) | – |`
	);
}
const idle = runs.filter((r) => r.idle.length === 2);
if (idle.length > 0) {
	const kib = (r: Run, prefix: string) => r.idle.find((i) => i.server.startsWith(prefix))!.kibPerConnection;
	const perRun = idle.map((r) => kib(r, 'Tavolo') / kib(r, 'stock'));
	rows.push(
		`| RSS per idle connection | ${median(idle.map((r) => kib(r, 'Tavolo'))).toFixed(1)} KiB | ${median(idle.map((r) => kib(r, 'stock'))).toFixed(1)} KiB | ${ratios(perRun)} | ≤ 1.0× | ${met(median(perRun) <= 1)} |`
	);
}
const cold = runs.map((r) => r.cold.find((c) => !c.compacted)).filter((c) => c !== undefined);
if (cold.length > 0) {
	const ours = median(cold.map((c) => median(c.ours)));
	const stock = median(cold.map((c) => median(c.stock)));
	rows.push(
		`| Cold load, ${cold[0].rows} update rows (median of the loads) | ${ms(ours)} | ${ms(stock)} | ${ratios(cold.map((c) => median(c.ours) / median(c.stock)))} | ≤ 100 ms | ${met(ours <= 100)} |`
	);
}
const bursts = runs.map((r) => r.burst).filter((b) => b !== null);
if (bursts.length > 0) {
	const p99 = median(bursts.map((b) => b.ackP99));
	rows.push(
		`| Vote ack p99, ${bursts[0].voters} voters at once (runs: ${bursts.map((b) => b.ackP99.toFixed(0)).join(', ')} ms) | ${ms(p99)} | – (no polls) | – | ≤ 100 ms | ${met(p99 <= 100)} |`
	);
}

console.log(`| measure (median of ${runs.length} runs) | Tavolo | stock | ratio Tavolo ÷ stock (each run) | target | |
|---|---|---|---|---|---|
${rows.join('\n')}

Runs took ${runs.map((r) => `${r.minutes.toFixed(1)} min`).join(', ')}; 1-minute load average at their end ${runs.map((r) => r.loadAverage[0].toFixed(1)).join(', ')}.`);
