import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BackoffPolicy } from '../../src/lib/collab/reconnect-backoff.ts';
import { createTestDatabase } from '../support/database.ts';
import { freePort, killAllServerProcesses, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import {
	checkEdits,
	checkFinalText,
	checkVotes,
	createFaultRoom,
	openEditor,
	openVoter,
	randomBetween,
	readDocument,
	sleep,
	type Editor,
	type FaultRoom,
	type Link,
	type Voter
} from './fault-room.ts';
import { summaryLine, trials } from './fault-trials.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Randomized kill -9 during edits and votes. One trial: editors type into two documents and
 * voters vote and change their votes in three open polls; after a random delay the server
 * process gets SIGKILL (nothing flushed on the way out) and a new one starts on the same port and
 * database. Before any old client may reconnect, the new process is read: every edit a durable
 * ack (message 101) covered must be in the document it serves, every vote answered `{ok: true}`
 * must be the member's ballot (or a later one of theirs whose answer never came), and no member
 * is counted twice. Then the clients reconnect by themselves and the next trial starts.
 */

const trialCount = trials(5, 200, true);
/** Documents are replaced every so many trials, so texts stay small and loading many is exercised. */
const trialsPerDocument = 20;
const editorsPerDocument = 2;
const voterCount = 6;

/** Fast policies for the test's clients (the storm script uses the browser's own). */
const editorBackoff: BackoffPolicy = { baseMs: 100, maxMs: 400, minMs: 20 };
const voterReconnection = { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 400, randomizationFactor: 0.5 };

let port: number;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let server: ServerProcess;
let room: FaultRoom;
const editors: Editor[] = [];
const voters: Voter[] = [];

const start = async () => {
	// Compaction every 50 rows: some kills land in the middle of one.
	server = await startServerProcess({ port, env: { DATABASE_URL: database.url!, TAVOLO_YJS_COMPACT_AFTER: '50' } });
};

beforeAll(async () => {
	database = await createTestDatabase();
	if (!database.url) throw new Error('the fault scripts run on PostgreSQL: set DATABASE_URL (vitest.faults.config.ts does)');
	port = await freePort();
	await start();
	room = await createFaultRoom(server.url, voterCount);
	for (const member of room.members) voters.push(openVoter(server.url, member, room.meetingId, voterReconnection));
});

afterAll(async () => {
	for (const editor of editors) editor.destroy();
	for (const voter of voters) voter.close();
	await killAllServerProcesses();
	await database?.drop();
});

it(`keeps every acknowledged edit and vote through ${trialCount} kill -9 restarts`, async () => {
	const link: Link = { up: true };
	const totals = { editsAcknowledged: 0, votesAcknowledged: 0, lost: 0, doubled: 0, edits: 0, votes: 0 };
	const failures: string[] = [];
	let documents: string[] = [];
	const everyEditor: Editor[] = [];
	const startedAt = Date.now();

	const allSynced = () => editors.every((e) => e.provider.synced) && voters.every((v) => v.joined);
	const describeClients = () =>
		`editors synced: ${editors.map((e) => e.provider.synced).join(',')}; voters joined: ${voters.map((v) => v.joined).join(',')}; ${server.describe()}`;

	for (let trial = 1; trial <= trialCount; trial++) {
		if ((trial - 1) % trialsPerDocument === 0) {
			await retireEditors(documents, failures);
			documents = [await room.newDocument(`Protocollo ${trial}a`), await room.newDocument(`Protocollo ${trial}b`)];
			for (const [d, docName] of documents.entries()) {
				for (let e = 0; e < editorsPerDocument; e++) {
					const editor = openEditor({
						yjsUrl: server.yjsUrl,
						origin: server.url,
						docName,
						cookie: (e === 0 ? room.coordinator : room.members[(d * editorsPerDocument + e) % room.members.length]).cookie,
						who: letters(everyEditor.length),
						link,
						backoff: editorBackoff
					});
					editors.push(editor);
					everyEditor.push(editor);
				}
			}
		}
		await waitUntil(allSynced, 30_000, `clients to be connected before trial ${trial}`, describeClients);

		// Edits and votes flow until the kill.
		let flowing = true;
		const flows = [
			...editors.map(async (editor) => {
				while (flowing) {
					editor.edit();
					totals.edits += 1;
					await sleep(randomBetween(2, 25));
				}
			}),
			...voters.map(async (voter) => {
				while (flowing) {
					if ((await voter.voteOnce(room.polls)) !== 'offline') totals.votes += 1;
					await sleep(randomBetween(5, 60));
				}
			})
		];
		await sleep(randomBetween(30, 1500));
		link.up = false;
		await server.kill('SIGKILL');
		flowing = false;
		await Promise.all(flows);
		// Every byte the dead process sent has been read once each socket reported its close.
		await waitUntil(() => editors.every((e) => e.provider.ws === null || !e.provider.wsconnected), 10_000, 'editors to notice the kill');
		await waitUntil(() => voters.every((v) => !v.socket.connected), 10_000, 'voters to notice the kill');

		await start();
		for (const docName of documents) {
			const reloaded = await readDocument(server.yjsUrl, server.url, docName, room.coordinator.cookie);
			const check = checkEdits(
				editors.filter((e) => e.provider.roomname === docName),
				reloaded
			);
			totals.editsAcknowledged += check.acknowledged;
			totals.lost += check.lost.length;
			totals.doubled += check.doubled.length;
			failures.push(
				...check.lost.map((l) => `trial ${trial} ${docName}: lost ${l}`),
				...check.doubled.map((d) => `trial ${trial} ${docName}: ${d}`)
			);
			reloaded.destroy();
		}
		const votes = await checkVotes(database.url!, room.coordinator.api, room.polls, voters);
		totals.votesAcknowledged += votes.acknowledged;
		totals.lost += votes.lost.length;
		totals.doubled += votes.doubled.length;
		failures.push(...votes.lost.map((l) => `trial ${trial}: lost vote ${l}`), ...votes.doubled.map((d) => `trial ${trial}: ${d}`));
		if (failures.length > 20) break;
		link.up = true;
	}
	link.up = true;
	await waitUntil(allSynced, 30_000, 'clients to reconnect after the last trial', describeClients);
	await retireEditors(documents, failures);

	console.log(
		summaryLine('kill-9', {
			trials: trialCount,
			edits: totals.edits,
			editsAcknowledgedChecked: totals.editsAcknowledged,
			votesSent: totals.votes,
			votesAcknowledgedChecked: totals.votesAcknowledged,
			lost: totals.lost,
			doubleCounted: totals.doubled,
			seconds: Math.round((Date.now() - startedAt) / 1000)
		})
	);
	expect(failures).toEqual([]);
	expect(totals.editsAcknowledged, 'edits acknowledged and checked').toBeGreaterThan(0);
	expect(totals.votesAcknowledged, 'votes acknowledged and checked').toBeGreaterThan(0);
	expect(everyEditor.length).toBeGreaterThan(0);
});

/** 0 → "a", 25 → "z", 26 → "ba": token prefixes are letters only. */
function letters(n: number): string {
	const digits = n.toString(26).split('');
	return digits.map((d) => String.fromCharCode(97 + parseInt(d, 26))).join('');
}

/**
 * The end of a document's run: its editors, connected again, converge on exactly the tokens they
 * typed minus the ones they deleted, and hear that all of it is saved. Then they leave.
 */
async function retireEditors(documents: string[], failures: string[]): Promise<void> {
	if (editors.length === 0) return;
	for (const docName of documents) {
		const group = editors.filter((e) => e.provider.roomname === docName);
		await waitUntil(
			() => group.every((e) => e.provider.synced && e.isSaved()) && group.every((e) => e.text.toString() === group[0].text.toString()),
			30_000,
			`the editors of ${docName} to converge and be saved`,
			() => group.map((e) => `${e.who}: synced ${e.provider.synced}, saved ${e.isSaved()}, ${e.text.length} chars`).join('; ')
		);
		const reloaded = await readDocument(server.yjsUrl, server.url, docName, room.coordinator.cookie);
		const final = checkFinalText(group, reloaded.getText('body').toString());
		reloaded.destroy();
		if (final.missing.length > 0 || final.extra.length > 0) failures.push(`${docName} at the end: ${JSON.stringify(final)}`);
	}
	for (const editor of editors.splice(0)) editor.destroy();
}
