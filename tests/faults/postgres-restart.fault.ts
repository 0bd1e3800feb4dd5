import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BackoffPolicy } from '../../src/lib/collab/reconnect-backoff.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.ts';
import { freePort, killAllServerProcesses, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import {
	checkEdits,
	checkFinalText,
	checkVotes,
	createFaultRoom,
	health,
	openEditor,
	openVoter,
	randomBetween,
	sleep,
	storedDocument,
	type Editor,
	type FaultRoom,
	type Voter
} from './fault-room.ts';
import { summaryLine, trials } from './fault-trials.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * PostgreSQL restarted in the middle of a meeting. The server runs on a PostgreSQL of the
 * script's own (tests/support/private-postgres.ts: the shared one must never be stopped); while
 * editors type and voters vote, it is stopped (`pg_ctl stop -m fast`: sessions cut, open
 * transactions rolled back) and started again after a while. Each time: /healthz must say
 * `degraded` and then `ok` again with no help; votes during the outage must be answered with
 * errors (never `{ok: true}` for a vote that is not stored); afterwards every acknowledged edit
 * and vote must be in the database, read directly, and editing and voting work again.
 */

const outages = trials(2, 10);
const editorBackoff: BackoffPolicy = { baseMs: 100, maxMs: 400, minMs: 20 };
const voterReconnection = { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 400, randomizationFactor: 0.5 };

let postgres: PrivatePostgres | undefined;
let server: ServerProcess;
let room: FaultRoom;
const editors: Editor[] = [];
const voters: Voter[] = [];

beforeAll(async () => {
	postgres = await startPrivatePostgres();
	// A commit per edit and a compaction every few rows keep pooled connections busy, so the
	// shutdown finds some checked out, as in a busy room.
	server = await startServerProcess({
		port: await freePort(),
		env: { DATABASE_URL: postgres.url, TAVOLO_YJS_COMMIT_DELAY_MS: '1', TAVOLO_YJS_COMPACT_AFTER: '20' }
	});
	room = await createFaultRoom(server.url, 6);
});

afterAll(async () => {
	for (const editor of editors) editor.destroy();
	for (const voter of voters) voter.close();
	await killAllServerProcesses();
	await postgres?.dispose();
});

it(`keeps every acknowledged edit and vote through ${outages} PostgreSQL restart(s) and recovers by itself`, async () => {
	const db = postgres!;
	const docName = await room.newDocument('Protocollo (PostgreSQL riavviato)');
	const people = [room.coordinator, ...room.members];
	for (let e = 0; e < 3; e++) {
		editors.push(
			openEditor({
				yjsUrl: server.yjsUrl,
				origin: server.url,
				docName,
				cookie: people[e].cookie,
				who: `p${'abc'[e]}`,
				backoff: editorBackoff
			})
		);
	}
	for (const member of room.members) voters.push(openVoter(server.url, member, room.meetingId, voterReconnection));
	await waitUntil(
		() => editors.every((e) => e.provider.synced) && voters.every((v) => v.joined),
		30_000,
		'clients to connect',
		server.describe
	);

	const totals = {
		editsAcknowledged: 0,
		votesAcknowledged: 0,
		lost: 0,
		doubled: 0,
		votesRefusedWhileDown: 0,
		votesAcknowledgedWhileDown: 0
	};
	const failures: string[] = [];
	let phase: 'up' | 'down' = 'up';

	for (let outage = 1; outage <= outages; outage++) {
		let flowing = true;
		const flows = [
			...editors.map(async (editor) => {
				while (flowing) {
					editor.edit();
					await sleep(randomBetween(5, 30));
				}
			}),
			...voters.map(async (voter) => {
				while (flowing) {
					const sentWhile = phase;
					const answer = await voter.voteOnce(room.polls);
					// Sent and answered while PostgreSQL was stopped: only an error is honest.
					if (sentWhile === 'down' && phase === 'down') {
						if (answer === 'acknowledged') totals.votesAcknowledgedWhileDown += 1;
						if (answer === 'refused' || answer === 'unanswered') totals.votesRefusedWhileDown += 1;
					}
					await sleep(randomBetween(20, 80));
				}
			})
		];
		await sleep(randomBetween(200, 1000));
		await db.stop();
		phase = 'down';
		let status: string;
		const deadline = Date.now() + 20_000;
		while ((status = await health(server.url)) !== 'degraded') {
			if (Date.now() > deadline) throw new Error(`outage ${outage}: /healthz said "${status}" with PostgreSQL stopped`);
			await sleep(100);
		}
		await sleep(randomBetween(1000, 2500));
		phase = 'up';
		await db.start();
		const recoveryDeadline = Date.now() + 60_000;
		while ((status = await health(server.url)) !== 'ok') {
			if (Date.now() > recoveryDeadline)
				throw new Error(`outage ${outage}: /healthz still "${status}" a minute after PostgreSQL came back\n${server.describe()}`);
			await sleep(100);
		}
		const acknowledgedBefore = voters.reduce((n, v) => n + v.counts.acknowledged, 0);
		await sleep(randomBetween(500, 1000));
		flowing = false;
		await Promise.all(flows);
		if (voters.reduce((n, v) => n + v.counts.acknowledged, 0) === acknowledgedBefore) {
			failures.push(`outage ${outage}: no vote was acknowledged after PostgreSQL came back`);
		}
		// The edits made before, during and after the outage are all committed in the end.
		await waitUntil(
			() => editors.every((e) => e.isSaved()),
			60_000,
			`every edit to be saved after outage ${outage}`,
			() => editors.map((e) => `${e.who}: saved ${e.isSaved()}, synced ${e.provider.synced}`).join('; ') + `\n${server.describe()}`
		);

		const stored = await storedDocument(db.url, docName);
		const edits = checkEdits(editors, stored);
		const final = checkFinalText(editors, stored.getText('body').toString());
		stored.destroy();
		const votes = await checkVotes(db.url, room.coordinator.api, room.polls, voters);
		totals.editsAcknowledged += edits.acknowledged;
		totals.votesAcknowledged += votes.acknowledged;
		totals.lost += edits.lost.length + final.missing.length + votes.lost.length;
		totals.doubled += edits.doubled.length + final.extra.length + votes.doubled.length;
		failures.push(...[...edits.lost, ...edits.doubled, ...votes.lost, ...votes.doubled].map((f) => `outage ${outage}: ${f}`));
		if (final.missing.length + final.extra.length > 0) failures.push(`outage ${outage}: stored text ${JSON.stringify(final)}`);
	}

	console.log(
		summaryLine('postgres-restart', {
			trials: outages,
			editsAcknowledgedChecked: totals.editsAcknowledged,
			votesAcknowledgedChecked: totals.votesAcknowledged,
			votesRefusedWhileDown: totals.votesRefusedWhileDown,
			votesAcknowledgedWhileDown: totals.votesAcknowledgedWhileDown,
			lost: totals.lost,
			doubleCounted: totals.doubled
		})
	);
	expect(failures).toEqual([]);
	// Clients saw errors during the outages, and no vote sent and answered during one was acknowledged.
	expect(totals.votesRefusedWhileDown).toBeGreaterThan(0);
	expect(totals.votesAcknowledgedWhileDown).toBe(0);
	expect(totals.editsAcknowledged).toBeGreaterThan(0);
	expect(totals.votesAcknowledged).toBeGreaterThan(0);
});
