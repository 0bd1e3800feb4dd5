import { afterAll, beforeAll, expect, it } from 'vitest';
import { collabBackoff } from '../../src/lib/collab/reconnect-backoff.ts';
import { roomReconnection } from '../../src/lib/live/room-reconnection.ts';
import { createTestDatabase } from '../support/database.ts';
import { freePort, killAllServerProcesses, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import {
	checkEdits,
	checkFinalText,
	checkVotes,
	createFaultRoom,
	openEditor,
	openVoter,
	readDocument,
	type Editor,
	type FaultRoom,
	type Voter
} from './fault-room.ts';
import { summaryLine, trials } from './fault-trials.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * A reconnect storm: 300 clients on one server process (150 co-editors on ten documents through
 * the y-websocket provider, 150 live-room tabs through socket.io-client, five tabs per member),
 * all with the browser's own reconnection policies (src/lib/collab/reconnect-backoff.ts and
 * src/lib/live/room-reconnection.ts). The process gets SIGKILL and a new one starts on the same
 * port; every client must come back and re-sync by itself, nothing acknowledged may be lost, and
 * the retries must be spread by jitter rather than arrive in lockstep. The spread is measured and
 * printed: when the attempts came, and how long after the new process was ready each client was
 * back.
 */

const rounds = trials(1, 3);
const documentCount = 10;
const editorsPerDocument = 15;
const memberCount = 30;
const tabsPerMember = 5;

let port: number;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: ServerProcess;
let room: FaultRoom;
const editors: Editor[] = [];
const voters: Voter[] = [];

const start = async () => {
	server = await startServerProcess({ port, env: { DATABASE_URL: database.url! } });
};

beforeAll(async () => {
	database = await createTestDatabase();
	if (!database.url) throw new Error('the fault scripts run on PostgreSQL: set DATABASE_URL (vitest.faults.config.ts does)');
	port = await freePort();
	await start();
	room = await createFaultRoom(server.url, memberCount);
});

afterAll(async () => {
	for (const editor of editors) editor.destroy();
	for (const voter of voters) voter.close();
	await killAllServerProcesses();
	await database?.drop();
});

const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const standardDeviation = (values: number[]) => {
	const mean = values.reduce((a, b) => a + b, 0) / values.length;
	return Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length);
};
/** The most events within any `windowMs`: a lockstep crowd puts nearly all of them in one. */
const densestWindow = (times: number[], windowMs: number) => {
	const sorted = [...times].sort((a, b) => a - b);
	let best = 0;
	for (let i = 0, j = 0; i < sorted.length; i++) {
		while (sorted[i] - sorted[j] > windowMs) j++;
		best = Math.max(best, i - j + 1);
	}
	return best;
};

it(`brings 300 clients back after ${rounds} kill -9 restart(s), spread by jitter, losing nothing`, async () => {
	const documents = await Promise.all(Array.from({ length: documentCount }, (_, d) => room.newDocument(`Protocollo della tempesta ${d}`)));
	const cookies = [room.coordinator, ...room.members].map((m) => m.cookie);
	for (const [d, docName] of documents.entries()) {
		for (let e = 0; e < editorsPerDocument; e++) {
			const n = d * editorsPerDocument + e;
			editors.push(
				openEditor({
					yjsUrl: server.yjsUrl,
					origin: server.url,
					docName,
					cookie: cookies[n % cookies.length],
					who: `s${String.fromCharCode(97 + d)}${String.fromCharCode(97 + e)}`,
					backoff: collabBackoff
				})
			);
		}
	}
	for (let tab = 0; tab < tabsPerMember; tab++) {
		for (const member of room.members) voters.push(openVoter(server.url, member, room.meetingId, roomReconnection));
	}
	// One tab per member votes; the other four only watch. A member is one ballot however many tabs.
	const voting = voters.slice(0, memberCount);
	const allBack = () => editors.every((e) => e.provider.synced) && voters.every((v) => v.joined);
	const describeClients = () =>
		`editors synced ${editors.filter((e) => e.provider.synced).length}/${editors.length}, tabs joined ${voters.filter((v) => v.joined).length}/${voters.length}; ${server.describe()}`;
	await waitUntil(allBack, 60_000, 'all 300 clients to connect', describeClients);

	const figures = { editsAcknowledged: 0, votesAcknowledged: 0, lost: 0, doubled: 0 };
	const spreads: string[] = [];
	const failures: string[] = [];
	const editorDelays: number[] = [];
	const tabDelays: number[] = [];

	for (let round = 1; round <= rounds; round++) {
		// Work that must survive: three edits per editor and one vote per member, all acknowledged.
		for (const editor of editors) for (let i = 0; i < 3; i++) editor.edit();
		const answers = await Promise.all(voting.map((v) => v.voteOnce(room.polls)));
		if (answers.some((a) => a !== 'acknowledged')) failures.push(`round ${round}: votes before the kill answered ${answers.join(',')}`);
		await waitUntil(() => editors.every((e) => e.isSaved()), 30_000, 'every edit to be acknowledged before the kill');

		const attemptsBefore = editors.map((e) => e.attempts.length);
		const tabAttemptsBefore = voters.map((v) => v.attempts.length);
		const killedAt = Date.now();
		await server.kill('SIGKILL');
		await start();
		const readyAt = Date.now();
		await waitUntil(allBack, 120_000, `all 300 clients to re-sync after kill ${round}`, describeClients);
		const backAt = Date.now();

		// When each client tried, and when it was back, relative to the kill and to readiness.
		const attempts = [
			...editors.flatMap((e, i) => e.attempts.slice(attemptsBefore[i])),
			...voters.flatMap((v, i) => v.attempts.slice(tabAttemptsBefore[i]))
		].map((t) => t - killedAt);
		const editorsBack = editors.map((e) => e.connectedAt.at(-1)! - readyAt);
		const tabsBack = voters.map((v) => v.joinedAt.at(-1)! - readyAt);
		// The policy's first wait: from the close each client saw to its first retry after it.
		for (const [i, editor] of editors.entries()) {
			const closed = editor.closedAt.find((t) => t >= killedAt);
			const retried = editor.attempts.slice(attemptsBefore[i])[0];
			if (closed !== undefined && retried !== undefined) editorDelays.push(retried - closed);
		}
		for (const [i, voter] of voters.entries()) {
			const lost = voter.disconnectedAt.find((t) => t >= killedAt);
			const retried = voter.attempts.slice(tabAttemptsBefore[i])[0];
			if (lost !== undefined && retried !== undefined) tabDelays.push(retried - lost);
		}
		const buckets = new Map<number, number>();
		for (const t of attempts) buckets.set(Math.floor(t / 500), (buckets.get(Math.floor(t / 500)) ?? 0) + 1);
		const histogram = [...buckets.entries()]
			.sort(([a], [b]) => a - b)
			.map(([bucket, n]) => `${bucket * 0.5}s:${n}`)
			.join(' ');
		spreads.push(
			`round ${round}: restart ${readyAt - killedAt} ms, all back ${backAt - readyAt} ms after ready; ` +
				`${attempts.length} attempts, densest 100 ms holds ${densestWindow(attempts, 100)}; attempts by time since kill [${histogram}]; ` +
				`back after ready p10/p50/p90/max: editors ${[10, 50, 90, 100].map((p) => percentile(editorsBack, p)).join('/')} ms, ` +
				`tabs ${[10, 50, 90, 100].map((p) => percentile(tabsBack, p)).join('/')} ms`
		);

		// Back to work on the new process: one more edit each, acknowledged; every member votes again.
		for (const editor of editors) editor.edit();
		const again = await Promise.all(voting.map((v) => v.voteOnce(room.polls)));
		// Without Redis the restart took the anonymous poll's ballot key: who voted there before may
		// not change it now ('sealed', by design; docs/api.md "Secret ballots"). Anything else is a failure.
		if (again.some((a) => a !== 'acknowledged' && a !== 'sealed'))
			failures.push(`round ${round}: votes after the restart answered ${again.join(',')}`);
		await waitUntil(() => editors.every((e) => e.isSaved()), 30_000, 'every edit after the restart to be acknowledged');
		for (const docName of documents) {
			const group = editors.filter((e) => e.provider.roomname === docName);
			const reloaded = await readDocument(server.yjsUrl, server.url, docName, room.coordinator.cookie);
			const check = checkEdits(group, reloaded);
			const final = checkFinalText(group, reloaded.getText('body').toString());
			reloaded.destroy();
			figures.editsAcknowledged += check.acknowledged;
			figures.lost += check.lost.length + final.missing.length;
			figures.doubled += check.doubled.length + final.extra.length;
			failures.push(...check.lost, ...check.doubled);
			if (final.missing.length + final.extra.length > 0) failures.push(`round ${round} ${docName}: ${JSON.stringify(final)}`);
		}
		const votes = await checkVotes(database.url!, room.coordinator.api, room.polls, voting);
		figures.votesAcknowledged += votes.acknowledged;
		figures.lost += votes.lost.length;
		figures.doubled += votes.doubled.length;
		failures.push(...votes.lost, ...votes.doubled);
	}

	for (const line of spreads) console.log(`[fault] reconnect-storm ${line}`);
	const firstWait = (delays: number[]) =>
		`${delays.length} first retries, ${Math.round(Math.min(...delays))}–${Math.round(Math.max(...delays))} ms, sd ${Math.round(standardDeviation(delays))} ms`;
	console.log(`[fault] reconnect-storm first wait after the close: editors ${firstWait(editorDelays)}; tabs ${firstWait(tabDelays)}`);
	console.log(
		summaryLine('reconnect-storm', {
			clients: editors.length + voters.length,
			trials: rounds,
			editsAcknowledgedChecked: figures.editsAcknowledged,
			votesAcknowledgedChecked: figures.votesAcknowledged,
			lost: figures.lost,
			doubleCounted: figures.doubled
		})
	);
	expect(failures).toEqual([]);
	expect(figures.editsAcknowledged).toBeGreaterThan(0);
	expect(figures.votesAcknowledged).toBeGreaterThan(0);
	// Jitter, not lockstep: without it every client waits the same time after its close (the stock
	// provider: 200 ms; socket.io with randomizationFactor 0: 1000 ms), give or take the event loop.
	// Full jitter over [50, 250] ms has a standard deviation near 58 ms; ±50% around 1 s near 290 ms.
	expect(standardDeviation(editorDelays), 'editors’ first retry delays spread by jitter').toBeGreaterThan(30);
	expect(standardDeviation(tabDelays), 'tabs’ first retry delays spread by jitter').toBeGreaterThan(100);
});
