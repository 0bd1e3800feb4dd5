import { afterAll, beforeAll, expect, it } from 'vitest';
import { collabBackoff } from '../../src/lib/collab/reconnect-backoff.ts';
import { roomReconnection } from '../../src/lib/live/room-reconnection.ts';
import type { LiveState } from '../../src/lib/realtime/protocol.ts';
import { send } from '../support/socket-test-client.ts';
import {
	checkEdits,
	checkFinalText,
	checkVotes,
	createFaultRoom,
	openEditor,
	openVoter,
	randomBetween,
	sleep,
	storedDocument,
	type Editor,
	type FaultRoom,
	type Voter
} from './fault-room.ts';
import {
	letters,
	openWatcher,
	presentIds,
	startFaultCluster,
	waitForConvergence,
	type FaultCluster,
	type Watcher
} from './cluster-room.ts';
import { summaryLine, trials } from './fault-trials.ts';
import { waitUntil } from '../support/wait-until.ts';

/**
 * Redis restarted under two nodes. Two server processes share a fresh PostgreSQL database and a
 * private Redis (no persistence: a restart forgets every stream, session and node list) behind a
 * round-robin balancer. Editors (y-websocket, several per document, spread over both nodes by the
 * balancer) type and members vote and change their votes in open polls; a watcher tab is pinned to
 * each node and the moderator's tab to node A. Redis gets SIGKILL mid-flow, work goes on for a
 * moment, and Redis starts again, empty. No client loses its connection to its node, so nothing
 * anyone typed may be lost: every editor's document converges on the same text holding every edit
 * of every editor, and PostgreSQL holds it; every `{ok: true}` vote is the member's ballot, one per
 * member. What the moderator sets during and after the blip (focus, timers), and who comes and
 * goes on either node, reaches the watchers on both nodes.
 */

const restarts = trials(1, 5, true);
const documentCount = 3;
const editorsPerDocument = 4;
const voterCount = 8;

let cluster: FaultCluster;
let room: FaultRoom;
const editors: Editor[] = [];
const voters: Voter[] = [];
const watchers: Watcher[] = [];
let moderator: Watcher;

beforeAll(async () => {
	cluster = await startFaultCluster();
	// Voters, two watchers, and two guests who come and go on each node.
	room = await createFaultRoom(cluster.origin, voterCount + 4);
});

afterAll(async () => {
	for (const editor of editors) editor.destroy();
	for (const client of [...voters, ...watchers]) client.close();
	moderator?.close();
	await cluster?.dispose();
});

it(`keeps every edit, vote and live change through ${restarts} Redis restart(s) under two nodes`, async () => {
	const startedAt = Date.now();
	const [nodeA, nodeB] = cluster.nodes;
	const urlOf = (node: typeof nodeA) => `http://127.0.0.1:${node.port}`;
	const voting = room.members.slice(0, voterCount);
	const [watcherOnA, watcherOnB, guestOnA, guestOnB] = room.members.slice(voterCount);

	const documents = await Promise.all(Array.from({ length: documentCount }, (_, d) => room.newDocument(`Protocollo senza Redis ${d}`)));
	const cookies = [room.coordinator, ...room.members].map((m) => m.cookie);
	for (const docName of documents) {
		for (let e = 0; e < editorsPerDocument; e++) {
			editors.push(
				openEditor({
					yjsUrl: cluster.yjsUrl,
					origin: cluster.origin,
					docName,
					cookie: cookies[editors.length % cookies.length],
					who: `r${letters(editors.length)}`,
					backoff: collabBackoff
				})
			);
		}
	}
	for (const member of voting) voters.push(openVoter(cluster.origin, member, room.meetingId, roomReconnection));
	moderator = openWatcher(urlOf(nodeA), cluster.origin, room.coordinator, room.meetingId, roomReconnection);
	watchers.push(
		openWatcher(urlOf(nodeA), cluster.origin, watcherOnA, room.meetingId, roomReconnection),
		openWatcher(urlOf(nodeB), cluster.origin, watcherOnB, room.meetingId, roomReconnection)
	);
	const describeClients = () =>
		`editors synced ${editors.filter((e) => e.provider.synced).length}/${editors.length}, voters joined ${voters.filter((v) => v.joined).length}/${voters.length}, ` +
		`watchers joined ${watchers.map((w) => w.joined).join(',')}, moderator ${moderator.joined}; ${cluster.describe()}`;
	await waitUntil(
		() => editors.every((e) => e.provider.synced) && voters.every((v) => v.joined) && watchers.every((w) => w.joined) && moderator.joined,
		60_000,
		'every client to connect',
		describeClients
	);
	const spread = cluster.balancer.counts();
	if (spread.size < 2) throw new Error(`the balancer used only ${[...spread.keys()]}`);

	const baseline = [room.coordinator, ...voting, watcherOnA, watcherOnB].map((m) => m.userId).sort();
	const totals = { edits: 0, votes: 0, editsChecked: 0, votesChecked: 0, liveChecks: 0, lost: 0, doubled: 0, stale: 0 };
	const failures: string[] = [];
	const fail = (kind: 'lost' | 'doubled' | 'stale', message: string) => {
		totals[kind] += 1;
		failures.push(message);
	};
	/** A live command from the moderator's tab on node A; an error is a failure, not a throw. */
	const moderate = async <E extends 'meeting:focus' | 'timer:start'>(event: E, payload: Parameters<typeof send<E>>[2], label: string) => {
		const answer = await send(moderator.socket, event, payload).catch((error: Error) => ({ ok: false, error: { code: error.message } }));
		if (!answer.ok) fail('stale', `${label}: ${event} answered ${JSON.stringify(answer)}`);
	};

	for (let round = 1; round <= restarts; round++) {
		let flowing = true;
		const flows = [
			...editors.map(async (editor) => {
				while (flowing) {
					editor.edit();
					totals.edits += 1;
					await sleep(randomBetween(5, 60));
				}
			}),
			...voters.map(async (voter) => {
				while (flowing) {
					if ((await voter.voteOnce(room.polls)) !== 'offline') totals.votes += 1;
					await sleep(randomBetween(20, 150));
				}
			})
		];
		await sleep(randomBetween(300, 1500));

		await cluster.redis.kill();
		// While Redis is away: the moderator (node A) moves the focus and starts a timer, a guest
		// arrives on node A.
		const during = { focus: `fuoco${round}durante`, timer: `timer${round}durante` };
		await moderate('meeting:focus', { meetingId: room.meetingId, itemId: during.focus }, `round ${round} during the blip`);
		await moderate(
			'timer:start',
			{ meetingId: room.meetingId, itemId: during.timer, durationMs: 600_000 },
			`round ${round} during the blip`
		);
		const guestA = openWatcher(urlOf(nodeA), cluster.origin, guestOnA, room.meetingId);
		await sleep(randomBetween(500, 2500));
		await cluster.redis.start();

		// Back: more work, then the moderator changes both again and a guest arrives on node B.
		await sleep(randomBetween(500, 1500));
		const after = { focus: `fuoco${round}dopo`, timer: `timer${round}dopo` };
		await moderate('meeting:focus', { meetingId: room.meetingId, itemId: after.focus }, `round ${round} after the blip`);
		await moderate('timer:start', { meetingId: room.meetingId, itemId: after.timer, durationMs: 600_000 }, `round ${round} after the blip`);
		const guestB = openWatcher(urlOf(nodeB), cluster.origin, guestOnB, room.meetingId);
		await sleep(randomBetween(300, 1000));
		flowing = false;
		await Promise.all(flows);

		// Every client stayed connected to its node: all of them converge, and all of it is saved.
		for (const docName of documents) {
			const group = editors.filter((e) => e.provider.roomname === docName);
			try {
				await waitForConvergence(group, 60_000, `round ${round}: the editors of ${docName} to converge after the Redis restart`);
			} catch (error) {
				fail('lost', (error as Error).message);
				continue;
			}
			for (const editor of group) {
				const final = checkFinalText(group, editor.text.toString());
				for (const missing of final.missing) fail('lost', `round ${round} ${docName}: ${editor.who} lacks ${missing}`);
				for (const extra of final.extra) fail('doubled', `round ${round} ${docName}: ${editor.who} has ${extra}`);
			}
			const stored = await storedDocument(cluster.database.url, docName);
			const check = checkEdits(group, stored);
			const final = checkFinalText(group, stored.getText('body').toString());
			stored.destroy();
			totals.editsChecked += check.acknowledged;
			for (const lost of [...check.lost, ...final.missing]) fail('lost', `round ${round} ${docName} in PostgreSQL: ${lost}`);
			for (const doubled of [...check.doubled, ...final.extra]) fail('doubled', `round ${round} ${docName} in PostgreSQL: ${doubled}`);
			const unacknowledged = group.reduce((n, e) => n + e.pending.length, 0);
			if (unacknowledged > 0) fail('lost', `round ${round} ${docName}: ${unacknowledged} edits saved but not covered by an ack`);
		}

		// Presence (carets): every editor sees every other editor of its document, whichever node.
		for (const docName of documents) {
			const group = editors.filter((e) => e.provider.roomname === docName);
			const ids = group.map((e) => e.doc.clientID);
			await waitUntil(
				() => group.every((e) => ids.every((id) => e.provider.awareness.getStates().has(id))),
				40_000,
				`round ${round}: every editor of ${docName} to see the others' awareness`
			).catch((error: Error) => fail('stale', error.message));
		}

		const votes = await checkVotes(cluster.database.url, room.coordinator.api, room.polls, voters);
		totals.votesChecked += votes.acknowledged;
		for (const lost of votes.lost) fail('lost', `round ${round}: vote ${lost}`);
		for (const doubled of votes.doubled) fail('doubled', `round ${round}: ${doubled}`);

		// Live state: both nodes' watchers see the last focus, the last timer running and the one
		// started during the blip paused; and everyone present, the guests of both nodes included.
		const current = (state: LiveState | null) => {
			if (!state || state.focusItemId !== after.focus) return false;
			const running = state.timers.filter((t) => t.runningSince !== null).map((t) => t.itemId);
			return running.length === 1 && running[0] === after.timer && state.timers.some((t) => t.itemId === during.timer);
		};
		const everyone = [...baseline, guestOnA.userId, guestOnB.userId].sort();
		const live = [...watchers, guestA, guestB];
		await waitUntil(
			() => live.every((w) => current(w.state) && JSON.stringify(presentIds(w.present)) === JSON.stringify(everyone)),
			30_000,
			`round ${round}: every watcher to see the focus, timers and presence set on both nodes`,
			() =>
				live
					.map(
						(w) =>
							`${w.member.userId}: focus ${w.state?.focusItemId}, timers ${JSON.stringify(w.state?.timers)}, ` +
							`present ${presentIds(w.present).length}/${everyone.length} missing ${everyone.filter((id) => !presentIds(w.present).includes(id))}`
					)
					.join('\n')
		).catch((error: Error) => fail('stale', error.message));
		totals.liveChecks += live.length;

		// The guests leave; both watchers see the room back to its regulars.
		guestA.close();
		guestB.close();
		await waitUntil(
			() => watchers.every((w) => JSON.stringify(presentIds(w.present)) === JSON.stringify(baseline)),
			30_000,
			`round ${round}: both watchers to see the guests leave`,
			() => watchers.map((w) => `${w.member.userId}: present ${presentIds(w.present).join(',')}`).join('\n')
		).catch((error: Error) => fail('stale', error.message));
		totals.liveChecks += watchers.length;
		if (failures.length > 20) break;
	}

	// The nodes stop as in a deploy (SIGTERM flushes); PostgreSQL holds exactly what was typed.
	await Promise.all(cluster.nodes.map((node) => node.current.kill('SIGTERM')));
	for (const docName of documents) {
		const group = editors.filter((e) => e.provider.roomname === docName);
		const stored = await storedDocument(cluster.database.url, docName);
		const final = checkFinalText(group, stored.getText('body').toString());
		stored.destroy();
		for (const missing of final.missing) fail('lost', `${docName} after SIGTERM: ${missing} not stored`);
		for (const extra of final.extra) fail('doubled', `${docName} after SIGTERM: ${extra}`);
	}

	console.log(
		summaryLine('redis-restart', {
			restarts,
			nodes: cluster.nodes.length,
			editors: editors.length,
			edits: totals.edits,
			editsAcknowledgedChecked: totals.editsChecked,
			votesSent: totals.votes,
			votesAcknowledgedChecked: totals.votesChecked,
			liveChecks: totals.liveChecks,
			lost: totals.lost,
			doubleCounted: totals.doubled,
			stale: totals.stale,
			seconds: Math.round((Date.now() - startedAt) / 1000)
		})
	);
	expect(failures).toEqual([]);
	expect(totals.editsChecked, 'edits acknowledged and checked').toBeGreaterThan(0);
	expect(totals.votesChecked, 'votes acknowledged and checked').toBeGreaterThan(0);
});
