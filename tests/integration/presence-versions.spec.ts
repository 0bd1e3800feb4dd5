import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Participant } from '../../src/lib/realtime/protocol.ts';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { ackRoundTrip, connectSocket, record, send, type ClientSocket } from '../support/socket-test-client.ts';
import { waitUntil } from '../support/wait-until.ts';
import { watchPresence } from '../support/presence-watch.ts';

/**
 * Two people enter the room at the same moment, each on another node (in two-node mode; on one
 * node, the same through one). Each node reads presence when its member arrives, and the two
 * readings, like the join answers, reach a browser in any order: the older one arriving last used
 * to drop the other person from the list for good (seen in CI: "Persone nella stanza" without the
 * moderator). Each reading carries a version drawn before it; a tab keeps the highest, as the room
 * does (src/lib/live/meeting-room.svelte.ts), and that one must hold everyone there.
 */
describe('presence readings from several nodes', () => {
	let app: TestApp;
	let meetingId: string;
	let coordinator: ApiClient;
	const people: { client: ApiClient; userId: string }[] = [];
	const sockets: ClientSocket[] = [];

	beforeAll(async () => {
		app = await startTestApp();
		coordinator = new ApiClient(app.origin);
		await coordinator.signUp('coord@presenze.example', 'Clara Coordinatrice');
		const tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Presenze', territory: 'Valle' })).body.id;
		meetingId = (
			await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
				title: 'Incontro',
				startsAt: '2027-02-10T15:00:00+01:00',
				endsAt: '2027-02-10T17:00:00+01:00'
			})
		).body.id;
		for (const [email, name, role] of [
			['marta@presenze.example', 'Marta Moderatrice', 'moderator'],
			['bruno@presenze.example', 'Bruno Sindaco', 'participant']
		] as const) {
			const client = new ApiClient(app.origin);
			await client.signUp(email, name);
			await client.joinTable(coordinator, tableId, { role });
			people.push({ client, userId: (await client.get('/api/v1/me')).body.user.id });
		}
	}, 60_000);

	// A test that failed half-way leaves no tab open for the next one.
	afterEach(() => {
		for (const socket of sockets.splice(0)) socket.close();
	});

	afterAll(async () => {
		await app?.stop();
	});

	/** A tab on one node that keeps presence as the browser does: the join's answer, then the deltas in version order. */
	async function enter(person: (typeof people)[number], node: string) {
		// The in-process node has no ORIGIN and checks the Origin against its Host; the second node
		// was started with the balancer's URL as its ORIGIN.
		const origin = node === app.nodes[0] ? node : app.origin;
		const socket: ClientSocket = await connectSocket(node, person.client.sessionCookie, { origin });
		sockets.push(socket);
		const watch = watchPresence(socket, meetingId, 'later');
		const tab = {
			socket,
			watch,
			get present() {
				return watch.present;
			},
			get version() {
				return watch.version;
			}
		};
		const joining = send(socket, 'meeting:join', { meetingId }).then((answer) => {
			expect(answer.ok).toBe(true);
			if (answer.ok) watch.reset({ ...answer.state, version: answer.state.presenceVersion });
		});
		return { tab, joining };
	}

	const ids = (present: Participant[]) => present.map((p) => p.userId).sort();

	it('lets each tab end with everyone present, whatever order the readings arrive in', async () => {
		const everyone = people.map((p) => p.userId).sort();
		for (let round = 0; round < 6; round++) {
			// Each person on another node, both at once.
			const entered = await Promise.all(people.map((person, i) => enter(person, app.nodes[(i + round) % app.nodes.length])));
			await Promise.all(entered.map((e) => e.joining));
			const tabs = entered.map((e) => e.tab);
			await waitUntil(
				() => tabs.every((tab) => JSON.stringify(ids(tab.present)) === JSON.stringify(everyone)),
				10_000,
				`round ${round}: both tabs listing both people`,
				() => tabs.map((tab) => `v${tab.version}: ${ids(tab.present).join(',')}`).join('; ')
			);
			for (const tab of tabs) expect(tab.watch.versions.every((v) => Number.isInteger(v) && v > 0)).toBe(true);

			// Marta leaves: Bruno's newest reading lists him alone.
			tabs[0].socket.close();
			await waitUntil(
				() => JSON.stringify(ids(tabs[1].present)) === JSON.stringify([people[1].userId]),
				10_000,
				`round ${round}: the departure heard`,
				() => `v${tabs[1].version}: ${ids(tabs[1].present).join(',')}`
			);
			tabs[1].socket.close();
		}
	});

	it('keeps a member with two tabs on two nodes present until the last one closes, and says so once', async () => {
		const [marta, bruno] = people;
		const watcher = await enter(bruno, app.nodes[0]);
		await watcher.joining;
		const first = await enter(marta, app.nodes[0]);
		const second = await enter(marta, app.nodes[app.nodes.length - 1]);
		await Promise.all([first.joining, second.joining]);
		await waitUntil(() => ids(watcher.tab.present).includes(marta.userId), 10_000, 'Marta present');
		// Live, so each tab's stay is in the register: its departure is written after the ledger's.
		expect((await send(first.tab.socket, 'meeting:status', { meetingId, status: 'live' })).ok).toBe(true);
		const closedStays = async () =>
			(
				(await coordinator.get(`/api/v1/meetings/${meetingId}/live/attendance`)).body.attendance as Array<{
					userId: string;
					leftAt: string | null;
				}>
			).filter((row) => row.userId === marta.userId && row.leftAt !== null).length;
		await waitUntil(
			async () =>
				((await coordinator.get(`/api/v1/meetings/${meetingId}/live/attendance`)).body.attendance as Array<{ userId: string }>).filter(
					(row) => row.userId === marta.userId
				).length === 2,
			10_000,
			'both of Marta’s tabs in the register'
		);
		const left = record(watcher.tab.socket, 'presence:left');
		const joined = record(watcher.tab.socket, 'presence:joined');

		// One tab closes: she is still there, and the room hears nothing.
		first.tab.socket.close();
		await waitUntil(async () => (await closedStays()) >= 1, 10_000, 'the first tab’s departure written');
		// Its departure is written after the ledger's; anything sent to the watcher before its answer has arrived.
		await ackRoundTrip(watcher.tab.socket);
		expect(left.filter((delta) => delta.userId === marta.userId)).toEqual([]);
		expect(ids(watcher.tab.present)).toContain(marta.userId);

		// A reload of the remaining tab: the old one closes while the new one joins. Marta may be
		// gone for an instant (then the room hears her leave and come back); the room ends with her.
		const reloaded = await enter(marta, app.nodes[0]);
		second.tab.socket.close();
		await reloaded.joining;
		expect(ids(reloaded.tab.present)).toContain(marta.userId);
		await waitUntil(async () => (await closedStays()) >= 2, 10_000, 'the reloaded tab’s departure written');
		const heard = (list: Array<{ userId?: string; member?: { userId: string } }>) =>
			list.filter((delta) => (delta.userId ?? delta.member?.userId) === marta.userId).length;
		await waitUntil(
			() => ids(watcher.tab.present).includes(marta.userId) && heard(left) === heard(joined),
			10_000,
			'the room listing Marta after the reload',
			() => `left ${heard(left)}, joined ${heard(joined)}, present ${ids(watcher.tab.present).join(',')}`
		);
		expect(ids(watcher.tab.present)).toEqual(ids(people.map((p) => ({ userId: p.userId }) as Participant)));
		const leftBefore = heard(left);

		// The last tab closes: one departure, heard once.
		reloaded.tab.socket.close();
		await waitUntil(() => !ids(watcher.tab.present).includes(marta.userId), 10_000, 'Marta gone');
		await waitUntil(async () => (await closedStays()) >= 3, 10_000, 'the last tab’s departure written');
		await ackRoundTrip(watcher.tab.socket);
		expect(heard(left)).toBe(leftBefore + 1);
		expect(heard(joined)).toBe(leftBefore);
		expect(watcher.tab.watch.resyncs).toBe(0);
		watcher.tab.socket.close();
	});

	it('sends the others one small delta for a late arrival, the full list only to the one who joins', async () => {
		const [marta, bruno] = people;
		const watcher = await enter(bruno, app.nodes[app.nodes.length - 1]);
		await watcher.joining;
		const bytes: number[] = [];
		const onAny = (event: string, payload: unknown) => {
			if (event.startsWith('presence:')) bytes.push(Buffer.byteLength(JSON.stringify([event, payload])));
		};
		watcher.tab.socket.onAny(onAny);
		const late = await enter(marta, app.nodes[0]);
		await late.joining;
		expect(ids(late.tab.present)).toEqual(ids(people.map((p) => ({ userId: p.userId }) as Participant)));
		await waitUntil(() => ids(watcher.tab.present).includes(marta.userId), 10_000, 'the arrival heard');
		expect(bytes).toHaveLength(1);
		expect(bytes[0]).toBeLessThanOrEqual(1024);
		late.tab.socket.close();
		watcher.tab.socket.close();
	});

	it('answers presence:sync only to a socket in the room, and refuses what the page never sends', async () => {
		const [marta] = people;
		const outside = await connectSocket(app.nodes[0], marta.client.sessionCookie, { origin: app.nodes[0] });
		sockets.push(outside);
		expect(await send(outside, 'presence:sync', { meetingId })).toMatchObject({ ok: false, error: { code: 'not_found' } });
		expect(await send(outside, 'presence:sync', { meetingId: 42 } as never)).toMatchObject({
			ok: false,
			error: { code: 'validation_failed' }
		});
		expect((await send(outside, 'meeting:join', { meetingId })).ok).toBe(true);
		// The earlier tests' tabs are closed; their departures may still be on their way.
		await expect
			.poll(async () => {
				const answer = await send(outside, 'presence:sync', { meetingId });
				return (
					answer.ok && {
						ids: ids(answer.present as Participant[]),
						eligiblePresent: answer.eligiblePresent,
						version: Number.isInteger(answer.version)
					}
				);
			})
			.toEqual({ ids: [marta.userId], eligiblePresent: 1, version: true });
		outside.close();
	});
});
