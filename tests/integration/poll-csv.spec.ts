import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, startTestApp, type TestApp } from '../support/app.ts';

/**
 * Issue 14, point 9: the CSV of every poll of a meeting, over HTTP, with its question and counting
 * method, to those who may read its results and to no one else.
 */
let app: TestApp;
let coordinator: ApiClient;
let participant: ApiClient;
let outsider: ApiClient;
let motionId: string;
let topicId: string;

/** RFC 4180 with `;` between fields, as the file is written: quoted fields may hold `;`, `"` and newlines. */
function parseCsv(text: string): string[][] {
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (quoted && c === '"' && text[i + 1] === '"') {
			field += '"';
			i++;
		} else if (quoted && c === '"') {
			quoted = false;
		} else if (quoted) {
			field += c;
		} else if (c === '"') {
			quoted = true;
		} else if (c === ';') {
			row.push(field);
			field = '';
		} else if (c === '\r' && text[i + 1] === '\n') {
			rows.push([...row, field]);
			row = [];
			field = '';
			i++;
		} else {
			field += c;
		}
	}
	if (field || row.length) rows.push([...row, field]);
	return rows;
}

async function download(client: ApiClient, pollId: string) {
	const response = await client.get(`/api/v1/polls/${pollId}/results.csv`);
	return { ...response, rows: response.status === 200 ? parseCsv(response.text.replace(/^\uFEFF/, '')) : [] };
}

beforeAll(async () => {
	app = await startTestApp();
	coordinator = new ApiClient(app.origin);
	await coordinator.signUp('coordinatrice@csv.example', 'Giulia');
	const tableId = (await coordinator.post('/api/v1/tables', { name: 'Tavolo Città', territory: 'Città' })).body.id;
	const meetingId = (
		await coordinator.post(`/api/v1/tables/${tableId}/meetings`, {
			title: 'Primo incontro',
			startsAt: '2027-01-14T15:00:00+01:00',
			endsAt: '2027-01-14T17:00:00+01:00'
		})
	).body.id;
	participant = new ApiClient(app.origin);
	await participant.signUp('partecipante@csv.example', 'Anna');
	await participant.joinTable(coordinator, tableId, { role: 'participant' });
	outsider = new ApiClient(app.origin);
	await outsider.signUp('estraneo@csv.example');

	// Two polls of one meeting: a public one, and a secret motion whose results show only once closed.
	const topic = await coordinator.post(`/api/v1/meetings/${meetingId}/polls`, {
		question: '=Tema; "prossimo" incontro?',
		kind: 'single',
		options: ['Scuola', '+Lavoro'],
		anonymous: false,
		resultsVisible: 'live'
	});
	topicId = topic.body.id;
	const motion = await coordinator.post(`/api/v1/meetings/${meetingId}/polls`, {
		question: 'Approvare le regole del tavolo?',
		kind: 'yesno',
		anonymous: true,
		resultsVisible: 'after_close'
	});
	motionId = motion.body.id;
	for (const id of [topicId, motionId]) expect((await coordinator.post(`/api/v1/polls/${id}/open`)).status).toBe(200);
	expect((await participant.post(`/api/v1/polls/${topicId}/vote`, { choice: '+Lavoro' })).status).toBe(200);
	expect((await coordinator.post(`/api/v1/polls/${topicId}/vote`, { choice: '+Lavoro' })).status).toBe(200);
	expect((await participant.post(`/api/v1/polls/${motionId}/vote`, { choice: 'yes' })).status).toBe(200);
	expect((await coordinator.post(`/api/v1/polls/${motionId}/vote`, { choice: 'no' })).status).toBe(200);
	expect((await coordinator.post(`/api/v1/polls/${topicId}/close`)).status).toBe(200);
}, 60_000);

afterAll(async () => {
	await app?.stop();
});

describe('GET /api/v1/polls/:id/results.csv', () => {
	it('gives each poll its own file with the question and the method first, quoted and safe from formulas', async () => {
		const topic = await download(participant, topicId);
		expect(topic.status).toBe(200);
		expect(topic.headers.get('content-type')).toBe('text/csv; charset=utf-8');
		expect(topic.headers.get('content-disposition')).toMatch(
			/^attachment; filename="votazione-2027-01-14-tema-prossimo-incontro\.csv"; filename\*=UTF-8''/
		);
		expect(topic.headers.get('cache-control')).toContain('no-store');
		// The byte-order mark (3 bytes) is there: fetch's text() drops it when it decodes.
		expect(Number(topic.headers.get('content-length'))).toBe(3 + Buffer.byteLength(topic.text));
		expect(topic.text).toContain('"\'=Tema; ""prossimo"" incontro?"');
		expect(topic.rows).toEqual([
			['Domanda', '\'=Tema; "prossimo" incontro?'],
			['Metodo di conteggio', 'maggioranza relativa (voti per opzione)'],
			[''],
			['Opzione', 'Voti'],
			['Scuola', '0'],
			["'+Lavoro", '2'],
			['Votanti', '2']
		]);
	});

	it('keeps a secret motion’s results hidden until it closes, then gives its counts and no names', async () => {
		const hidden = await download(participant, motionId);
		expect(hidden.status).toBe(403);
		expect(hidden.body.error.code).toBe('poll_results_hidden');
		expect(typeof hidden.body.error.message).toBe('string');
		expect((await coordinator.post(`/api/v1/polls/${motionId}/close`)).status).toBe(200);
		const motion = await download(participant, motionId);
		expect(motion.status).toBe(200);
		expect(motion.rows.slice(0, 2)).toEqual([
			['Domanda', 'Approvare le regole del tavolo?'],
			['Metodo di conteggio', 'favorevoli, contrari e astenuti, con maggioranza e quorum']
		]);
		expect(motion.rows).toContainEqual(['Favorevole', '1']);
		expect(motion.rows).toContainEqual(['Contrario', '1']);
		expect(motion.rows).toContainEqual(['Votanti', '2']);
		expect(motion.text).not.toMatch(/Anna|Giulia|csv\.example/);
	});

	it('refuses those who are not at the table, anyone signed out, and an unknown poll', async () => {
		const refused = await download(outsider, topicId);
		expect(refused.status).toBe(403);
		expect(refused.body.error.code).toBe('forbidden');
		expect(refused.text).not.toContain('Lavoro');
		const anonymous = await new ApiClient(app.origin).get(`/api/v1/polls/${topicId}/results.csv`);
		expect(anonymous.status).toBe(401);
		const unknown = await coordinator.get('/api/v1/polls/sconosciuta/results.csv');
		expect(unknown.status).toBe(404);
		expect(unknown.body.error.code).toBe('not_found');
	});
});
