import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';
import { connectSocket, send, type ClientSocket } from '../support/socket-test-client.ts';
import { watchPresence } from '../support/presence-watch.ts';
import { readAgenda } from '../../src/lib/agenda/agenda-doc.ts';
import { loadDocumentState } from '../../src/lib/server/documents/yjs-state.ts';
import type { Participant } from '../../src/lib/realtime/protocol.ts';

/**
 * Issue 12, items 5 and 6: people in the council chamber or only on the video call did not exist
 * for Tavolo, and the minutes did not say who was there for each item and each decision. Now a
 * moderator checks them in and out (members, or guests by name) while the meeting is live; they
 * count in presence, category coverage and quorum, and the minutes list, by mode, who was present
 * for each agenda item (while it was in focus) and each poll (while it was open).
 */
let app: TestApp;
let coordinator: ApiClient;
let tableId: string;
let schoolHeads: string;
const checkInCap = 4;
type Key = 'marco' | 'anna' | 'bruno' | 'carla';
const people = {} as Record<Key, { client: ApiClient; id: string }>;
const sockets: ClientSocket[] = [];

async function joined(key: Key | 'coordinator', meetingId: string): Promise<ClientSocket> {
	const client = key === 'coordinator' ? coordinator : people[key].client;
	const socket = await connectSocket(app.origin, client.sessionCookie);
	sockets.push(socket);
	const ack = await send(socket, 'meeting:join', { meetingId });
	if (!ack.ok) throw new Error(ack.error.code);
	return socket;
}

async function newMeeting(title: string): Promise<string> {
	const created = await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
		title,
		startsAt: '2027-04-08T15:00:00+02:00',
		endsAt: '2027-04-08T17:00:00+02:00',
		template: 'standard'
	});
	expect(created.status).toBe(201);
	return created.body.id;
}

const setStatus = async (meetingId: string, status: 'live' | 'closed') =>
	expect((await coordinator.post(`/api/v1/meetings/${meetingId}/status`, { status })).body.status).toBe(status);

async function minutesOf(meetingId: string): Promise<string> {
	const minutes = await coordinator.get(`/api/v1/meetings/${meetingId}/minutes`);
	expect(minutes.status).toBe(200);
	return (await coordinator.get(`/api/v1/documents/${minutes.body.documentId}/export?format=md`)).text;
}

/** The part of the minutes from `heading` to the next heading of any level. */
function section(markdown: string, heading: string): string {
	const start = markdown.indexOf(heading);
	expect(start, `the minutes have "${heading}"`).toBeGreaterThanOrEqual(0);
	const rest = markdown.slice(start + heading.length);
	const end = rest.search(/\n#{2,3} /);
	return end === -1 ? rest : rest.slice(0, end);
}

/** The line of the minutes' section that lists who was present. */
const presentLine = (text: string) => text.split('\n').find((line) => line.includes('Presenti:')) ?? '';

const openCheckIns = (meetingId: string) =>
	app.context.db
		.selectFrom('meeting_check_ins')
		.selectAll()
		.where('meeting_id', '=', meetingId)
		.where('checked_out_at', 'is', null)
		.execute();

beforeAll(async () => {
	// A small cap, so one test reaches it; no other meeting here holds more than three check-ins.
	app = await startTestApp({ TAVOLO_CHECK_INS_PER_MEETING: String(checkInCap) });
	coordinator = new ApiClient(app.origin);
	await coordinator.signUp('giulia@ibrido.example', 'Giulia Coordinatrice');
	tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Pianura', territory: 'Pianura' })).body.id;
	const table = (await coordinator.get(`/api/v1/tables/${tableId}`)).body;
	const category = (key: string) => table.categories.find((c: { key: string }) => c.key === key).id;
	schoolHeads = category('school_heads');
	for (const [key, name, role, categoryKey] of [
		['marco', 'Marco Moderatore', 'moderator', 'steering_committee'],
		['anna', 'Anna Sindaca', 'participant', 'mayors'],
		['bruno', 'Bruno Assessore', 'participant', 'councillors'],
		['carla', 'Carla Assistente', 'participant', 'social_services']
	] as const) {
		const client = new ApiClient(app.origin);
		const user = await client.signUp(`${key}@ibrido.example`, name);
		await client.joinTable(coordinator, tableId, { role, categoryId: category(categoryKey) });
		people[key] = { client, id: user.id };
	}
}, 60_000);

afterAll(async () => {
	for (const socket of sockets) socket.close();
	await app?.stop();
});

describe('checking people in', () => {
	it('is refused on a planned meeting, to a participant, and on a closed meeting', async () => {
		const meetingId = await newMeeting('Incontro senza registro');
		const marco = await joined('marco', meetingId);
		const carlaOnCall = { meetingId, mode: 'call' as const, userId: people.carla.id };

		const planned = await send(marco, 'attendance:checkin', carlaOnCall);
		expect(planned).toMatchObject({ ok: false, error: { code: 'meeting_not_live' } });

		await setStatus(meetingId, 'live');
		const anna = await joined('anna', meetingId);
		// A participant's script sends what the UI never shows them.
		const byParticipant = await send(anna, 'attendance:checkin', { meetingId, mode: 'room', guest: { name: 'Amico di Anna' } });
		expect(byParticipant).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		const selfCheckIn = await send(anna, 'attendance:checkin', { meetingId, mode: 'room', userId: people.anna.id });
		expect(selfCheckIn).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect(await openCheckIns(meetingId)).toEqual([]);

		const checkedIn = await send(marco, 'attendance:checkin', carlaOnCall);
		expect(checkedIn.ok).toBe(true);
		const checkInId = checkedIn.ok ? String(checkedIn.checkInId) : '';
		expect(await send(anna, 'attendance:checkout', { meetingId, checkInId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
		expect((await openCheckIns(meetingId)).map((row) => row.id)).toEqual([checkInId]);
		// Not a member of the table, and not a category of its programme.
		expect(await send(marco, 'attendance:checkin', { meetingId, mode: 'room', userId: 'utente-inesistente' })).toMatchObject({
			ok: false,
			error: { code: 'not_found' }
		});
		expect(
			await send(marco, 'attendance:checkin', { meetingId, mode: 'room', guest: { name: 'Ospite', categoryId: 'categoria-altrui' } })
		).toMatchObject({ ok: false, error: { code: 'validation_failed' } });

		await setStatus(meetingId, 'closed');
		// The close checked Carla out.
		expect(await openCheckIns(meetingId)).toEqual([]);
		expect(await send(marco, 'attendance:checkin', carlaOnCall)).toMatchObject({ ok: false, error: { code: 'meeting_not_live' } });
		expect(await send(marco, 'attendance:checkout', { meetingId, checkInId })).toMatchObject({
			ok: false,
			error: { code: 'meeting_not_live' }
		});
		const rows = await app.context.db.selectFrom('meeting_check_ins').select('id').where('meeting_id', '=', meetingId).execute();
		expect(rows).toHaveLength(1);
	});
});

describe('two moderators at once', () => {
	it('check a member in once, and a guest checked out twice leaves once', async () => {
		const meetingId = await newMeeting('Incontro con due moderatori');
		await setStatus(meetingId, 'live');
		const [marco, giulia] = await Promise.all([joined('marco', meetingId), joined('coordinator', meetingId)]);
		const bruno = { meetingId, mode: 'room' as const, userId: people.bruno.id };
		const answers = await Promise.all([
			send(marco, 'attendance:checkin', bruno),
			send(giulia, 'attendance:checkin', { ...bruno, mode: 'call' })
		]);
		expect(answers.filter((answer) => answer.ok)).toHaveLength(1);
		expect(answers.filter((answer) => !answer.ok).map((answer) => !answer.ok && answer.error.code)).toEqual(['already_checked_in']);
		expect(await openCheckIns(meetingId)).toHaveLength(1);

		const guest = await send(marco, 'attendance:checkin', { meetingId, mode: 'call', guest: { name: 'Ospite in linea' } });
		const checkInId = guest.ok ? String(guest.checkInId) : '';
		const out = await Promise.all([
			send(marco, 'attendance:checkout', { meetingId, checkInId }),
			send(giulia, 'attendance:checkout', { meetingId, checkInId })
		]);
		expect(out.map((answer) => (answer.ok ? 'ok' : answer.error.code)).sort()).toEqual(['not_found', 'ok']);
		// Bruno checked out and in again: two stays in the register.
		const [open] = await openCheckIns(meetingId);
		expect((await send(giulia, 'attendance:checkout', { meetingId, checkInId: open.id })).ok).toBe(true);
		expect((await send(giulia, 'attendance:checkin', bruno)).ok).toBe(true);
		const register = (await coordinator.get(`/api/v1/meetings/${meetingId}/live/attendance`)).body.attendance as Array<{ name: string }>;
		expect(register.filter((stay) => stay.name === 'Bruno Assessore')).toHaveLength(2);
	});
});

describe('a script checking in guests by the thousand', () => {
	it('stops at TAVOLO_CHECK_INS_PER_MEETING check-ins, ended ones included', async () => {
		const meetingId = await newMeeting('Incontro con troppi ospiti');
		await setStatus(meetingId, 'live');
		const marco = await joined('marco', meetingId);
		for (let i = 0; i < checkInCap; i++) {
			const guest = await send(marco, 'attendance:checkin', { meetingId, mode: 'call', guest: { name: `Ospite ${i}` } });
			expect(guest.ok).toBe(true);
			if (guest.ok) expect((await send(marco, 'attendance:checkout', { meetingId, checkInId: String(guest.checkInId) })).ok).toBe(true);
		}
		const over = await send(marco, 'attendance:checkin', { meetingId, mode: 'call', guest: { name: 'Ospite di troppo' } });
		expect(over).toMatchObject({ ok: false, error: { code: 'check_in_limit' } });
		expect(!over.ok && over.error.message).toContain(String(checkInCap));
	});
});

describe('a check-in', () => {
	it('counts in presence, category coverage and quorum, and in the minutes’ Presenti with its mode', async () => {
		const meetingId = await newMeeting('Incontro ibrido');
		await setStatus(meetingId, 'live');
		const marco = await joined('marco', meetingId);
		const anna = await joined('anna', meetingId);
		const heard = watchPresence(anna, meetingId);

		const carla = await send(marco, 'attendance:checkin', { meetingId, mode: 'call', userId: people.carla.id });
		expect(carla.ok).toBe(true);
		const luca = await send(marco, 'attendance:checkin', {
			meetingId,
			mode: 'room',
			guest: { name: 'Luca Preside', categoryId: schoolHeads, representedBody: 'IC Pianura' }
		});
		expect(luca.ok).toBe(true);
		// Checked in once at a time, whoever clicks again.
		expect(await send(marco, 'attendance:checkin', { meetingId, mode: 'room', userId: people.carla.id })).toMatchObject({
			ok: false,
			error: { code: 'already_checked_in' }
		});

		const byName = (present: Participant[]) => Object.fromEntries(present.map((p) => [p.name, p]));
		await expect
			.poll(() => Object.keys(byName(heard.present)).sort())
			.toEqual(['Anna Sindaca', 'Carla Assistente', 'Luca Preside', 'Marco Moderatore'].sort());
		const present = byName(heard.present);
		expect(present['Carla Assistente']).toMatchObject({ userId: people.carla.id, role: 'participant', modes: ['call'] });
		expect(present['Luca Preside']).toMatchObject({
			userId: null,
			role: null,
			categoryId: schoolHeads,
			representedBody: 'IC Pianura',
			modes: ['room']
		});
		expect(present['Anna Sindaca'].modes).toEqual(['app']);
		// The state a reload reads says the same.
		const live = (await people.anna.client.get(`/api/v1/meetings/${meetingId}/live`)).body;
		expect(Object.keys(byName(live.present))).toContain('Luca Preside');

		// Quorum: Anna votes; present and entitled were Marco, Anna and Carla (a guest does not vote).
		const poll = (
			await coordinator.post(`/api/v1/meetings/${meetingId}/polls`, { question: 'Approvare il calendario?', kind: 'yesno', options: [] })
		).body.id;
		await coordinator.post(`/api/v1/polls/${poll}/open`);
		expect((await send(anna, 'poll:vote', { pollId: poll, choice: 'yes' })).ok).toBe(true);
		await coordinator.post(`/api/v1/polls/${poll}/close`);

		// Luca leaves the chamber: he is no longer present.
		expect((await send(marco, 'attendance:checkout', { meetingId, checkInId: luca.ok ? String(luca.checkInId) : '' })).ok).toBe(true);
		await expect.poll(() => heard.present.map((p) => p.name)).not.toContain('Luca Preside');

		await setStatus(meetingId, 'closed');
		const markdown = await minutesOf(meetingId);
		expect(markdown).toMatch(/\*\*Carla Assistente\*\* — dalle \d\d:\d\d fino alla chiusura \(in videochiamata\)/);
		expect(markdown).toMatch(/\*\*Luca Preside\*\*, IC Pianura — dalle \d\d:\d\d alle \d\d:\d\d \(in sala\)/);
		expect(markdown).toMatch(/\*\*Anna Sindaca\*\* — dalle \d\d:\d\d fino alla chiusura \(in Tavolo\)/);
		expect(markdown).toContain('### Dirigenti scolastici e/o Funzioni strumentali (1)');
		const pollSection = section(markdown, '### Approvare il calendario?');
		expect(pollSection).toContain('1 votanti su 3 presenti aventi diritto');
		expect(presentLine(pollSection)).toContain('Carla Assistente (in videochiamata)');
		expect(presentLine(pollSection)).toContain('Luca Preside (in sala)');

		const register = (await coordinator.get(`/api/v1/meetings/${meetingId}/live/attendance`)).body.attendance as Array<{
			name: string;
			mode: string;
		}>;
		expect(register.map((stay) => `${stay.name} ${stay.mode}`).sort()).toEqual(
			['Anna Sindaca app', 'Carla Assistente call', 'Luca Preside room', 'Marco Moderatore app'].sort()
		);
	});
});

describe('presence per agenda item and per poll', () => {
	it('lists, for each item in focus and each poll, who was there and how', async () => {
		const meetingId = await newMeeting('Incontro punto per punto');
		const agendaDoc = new Y.Doc();
		Y.applyUpdate(agendaDoc, await loadDocumentState(app.context.db, `agenda:${meetingId}`));
		const [first, second, third] = readAgenda(agendaDoc);
		agendaDoc.destroy();
		expect(third).toBeDefined();

		await setStatus(meetingId, 'live');
		const marco = await joined('marco', meetingId);
		const anna = await joined('anna', meetingId);
		const bruno = await joined('bruno', meetingId);
		const luca = await send(marco, 'attendance:checkin', { meetingId, mode: 'room', guest: { name: 'Luca Ospite' } });
		expect(luca.ok).toBe(true);
		expect((await send(marco, 'meeting:focus', { meetingId, itemId: first.id })).ok).toBe(true);

		// Bruno and Luca leave before item 2.
		expect((await send(bruno, 'meeting:leave', { meetingId })).ok).toBe(true);
		expect((await send(marco, 'attendance:checkout', { meetingId, checkInId: luca.ok ? String(luca.checkInId) : '' })).ok).toBe(true);
		expect((await send(marco, 'meeting:focus', { meetingId, itemId: second.id })).ok).toBe(true);
		// Carla joins the call during item 2, and stays when item 1 comes back.
		expect((await send(marco, 'attendance:checkin', { meetingId, mode: 'call', userId: people.carla.id })).ok).toBe(true);

		const poll = (
			await coordinator.post(`/api/v1/meetings/${meetingId}/polls`, { question: 'Rinviare il punto 3?', kind: 'yesno', options: [] })
		).body.id;
		await coordinator.post(`/api/v1/polls/${poll}/open`);
		expect((await send(anna, 'poll:vote', { pollId: poll, choice: 'no' })).ok).toBe(true);
		await coordinator.post(`/api/v1/polls/${poll}/close`);
		expect((await send(marco, 'meeting:focus', { meetingId, itemId: first.id })).ok).toBe(true);
		// Two moderators' clicks on the same item keep one interval.
		expect((await send(marco, 'meeting:focus', { meetingId, itemId: first.id })).ok).toBe(true);

		await setStatus(meetingId, 'closed');
		const history = await app.context.db
			.selectFrom('meeting_focus_history')
			.select(['item_id', 'ended_at'])
			.where('meeting_id', '=', meetingId)
			.orderBy('started_at')
			.execute();
		expect(history.map((h) => h.item_id)).toEqual([first.id, second.id, first.id]);
		expect(history.every((h) => h.ended_at !== null)).toBe(true);

		const markdown = await minutesOf(meetingId);
		const itemOne = presentLine(section(markdown, `### 1. ${first.title}`));
		const itemTwo = presentLine(section(markdown, `### 2. ${second.title}`));
		const itemThree = section(markdown, `### 3. ${third.title}`);
		for (const name of [
			'Anna Sindaca (in Tavolo)',
			'Bruno Assessore (in Tavolo)',
			'Luca Ospite (in sala)',
			'Marco Moderatore (in Tavolo)'
		]) {
			expect(itemOne).toContain(name);
		}
		// Through item 1's second time in focus.
		expect(itemOne).toContain('Carla Assistente (in videochiamata)');
		expect(itemTwo).toContain('Anna Sindaca (in Tavolo)');
		expect(itemTwo).toContain('Carla Assistente (in videochiamata)');
		expect(itemTwo).toContain('Marco Moderatore (in Tavolo)');
		expect(itemTwo).not.toContain('Bruno');
		expect(itemTwo).not.toContain('Luca');
		expect(itemThree).toContain('Punto non messo in primo piano');

		const pollSection = section(markdown, '### Rinviare il punto 3?');
		expect(presentLine(pollSection)).toContain('Anna Sindaca (in Tavolo)');
		expect(presentLine(pollSection)).toContain('Carla Assistente (in videochiamata)');
		expect(presentLine(pollSection)).not.toContain('Bruno');
		expect(presentLine(pollSection)).not.toContain('Luca');
		expect(pollSection).toContain('1 votanti su 3 presenti aventi diritto');
	});
});
