import { afterAll, beforeAll, expect, it } from 'vitest';
import { percentile } from '../support/long-drafts.ts';
import {
	sampleDuringHeavyWork,
	setUpDraftScene,
	setUpHeaviestDraft,
	tearDownDraftScene,
	type DraftScene,
	type VotingRoom
} from '../support/heavy-work.ts';

/**
 * Issue 11, point 1, measured: while one member asks for the heaviest diff, PDF and DOCX of a
 * 20,000-word draft at once, `/healthz` and a vote's acknowledgement stay under 200 ms. A latency
 * is a measurement, so it runs here, alone (the fault config runs one file at a time), not in
 * `npm test` beside other files; tests/integration/heavy-work.spec.ts checks there that the work
 * runs in a worker thread and the server keeps answering.
 *
 * Most answers must come within the 200 ms and the slowest within a second: on a shared
 * two-core machine the operating system alone leaves a thread waiting some 300 ms now and then,
 * with or without exports running. The old code held the event loop for seconds per PDF and for
 * minutes on this diff.
 */

let scene: DraftScene;
let room: VotingRoom;

beforeAll(async () => {
	// One member asks for three at once here; the vote loop sends commands past the socket's own
	// rate limit (not what this script measures).
	scene = await setUpDraftScene({ TAVOLO_HEAVY_PER_USER: '3', TAVOLO_SOCKET_COMMANDS_PER_SECOND: '100000' });
	room = await setUpHeaviestDraft(scene);
}, 180_000);

afterAll(async () => {
	room?.socket.disconnect();
	await tearDownDraftScene(scene);
});

it('keeps /healthz and a vote ack under 200 ms while a member asks for the diff, the PDF and the DOCX', async () => {
	const { diff, pdf, docx, health, votes, refusedVotes } = await sampleDuringHeavyWork(scene, room);
	for (const response of [diff, pdf, docx]) expect(response.status).toBe(200);
	expect(refusedVotes).toEqual([]);
	expect(scene.server.app.services.heavyWork.threads).toBeGreaterThan(0);

	const round = (ms: number) => Math.round(ms);
	console.log(
		`heavy work: ${health.length} /healthz answers, p50 ${round(percentile(health, 0.5))} ms, p90 ${round(percentile(health, 0.9))} ms, ` +
			`max ${round(Math.max(...health))} ms; ${votes.length} vote acks, p50 ${round(percentile(votes, 0.5))} ms, ` +
			`p90 ${round(percentile(votes, 0.9))} ms, max ${round(Math.max(...votes))} ms`
	);
	expect(health.length).toBeGreaterThan(10);
	expect(votes.length).toBeGreaterThan(10);
	expect(percentile(health, 0.9)).toBeLessThan(200);
	expect(percentile(votes, 0.9)).toBeLessThan(200);
	expect(Math.max(...health)).toBeLessThan(1000);
	expect(Math.max(...votes)).toBeLessThan(1000);
}, 300_000);
