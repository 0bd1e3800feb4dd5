import { ApiClient, type TestApp } from './app.ts';

/** The three people of the room's browser tests: a coordinator, a moderator and a participant. */
export type MeetingPeople = Record<'anna' | 'marta' | 'bruno', ApiClient>;

/**
 * Anna (coordinator) makes a table and a meeting; Marta (moderator) and Bruno (participant) join
 * the table. Returns their clients and the ids, for the browser tests of the live room.
 */
export async function meetingWithPeople(
	app: Pick<TestApp, 'origin'>,
	options: { table: string; territory: string; title: string; startsAt: string; endsAt: string }
): Promise<{ people: MeetingPeople; tableId: string; meetingId: string }> {
	const anna = new ApiClient(app.origin);
	await anna.signUp('anna@consorzio.example', 'Anna Coordinatrice');
	const tableId = (await anna.post('/api/v1/tables', { name: options.table, territory: options.territory })).body.id as string;
	const people = { anna } as MeetingPeople;
	for (const [key, role, name] of [
		['marta', 'moderator', 'Marta Moderatrice'],
		['bruno', 'participant', 'Bruno Sindaco']
	] as const) {
		people[key] = new ApiClient(app.origin);
		await people[key].signUp(`${key}@comune.example`, name);
		await people[key].joinTable(anna, tableId, { role });
	}
	const meeting = await anna.post(`/api/v1/tables/${tableId}/meetings`, {
		title: options.title,
		startsAt: options.startsAt,
		endsAt: options.endsAt
	});
	if (meeting.status !== 201) throw new Error(`the meeting was not created: ${meeting.status}`);
	return { people, tableId, meetingId: meeting.body.id as string };
}
