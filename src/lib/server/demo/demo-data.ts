import type { Db } from '../db/connect.ts';
import type { TableRole } from '../../domain/tables.ts';
import { newId } from '../ids.ts';
import { hashPassword } from '../auth/password.ts';
import { insertProgramme, listCategories } from '../programmes/service.ts';
import { agendaTemplateUpdate } from '../../agenda/agenda-doc.ts';
import { agendaDocName } from '../../realtime/doc-names.ts';

export const DEMO_PASSWORD = 'tavolo-demo-2026';
const DEMO_PROGRAMME = 'Progetto Reti di Integrazione (demo)';

/** Invented people: any resemblance to real persons or bodies is accidental. */
const people: readonly {
	name: string;
	email: string;
	admin?: boolean;
	category?: string;
	body: string;
	roles: Record<string, TableRole>;
}[] = [
	{
		name: 'Marta Coordinatrice',
		email: 'marta.coordinatrice@demo.tavolo',
		admin: true,
		category: 'steering_committee',
		body: 'Consorzio Servizi Sociali (demo)',
		roles: { urbana: 'coordinator', piana: 'coordinator', montana: 'coordinator' }
	},
	{
		name: 'Luca Moderatore',
		email: 'luca.moderatore@demo.tavolo',
		body: 'Cooperativa Facilitazione (demo)',
		roles: { urbana: 'moderator', piana: 'moderator', montana: 'moderator' }
	},
	{
		name: 'Anna Sindaca',
		email: 'anna.sindaca@demo.tavolo',
		category: 'mayors',
		body: 'Comune di Poggio Alto',
		roles: { montana: 'participant' }
	},
	{
		name: 'Paolo Assessore',
		email: 'paolo.assessore@demo.tavolo',
		category: 'councillors',
		body: 'Comune di Valle Chiara',
		roles: { montana: 'participant', piana: 'participant' }
	},
	{
		name: 'Elena Dirigente',
		email: 'elena.dirigente@demo.tavolo',
		category: 'school_heads',
		body: 'Istituto Comprensivo dei Monti',
		roles: { montana: 'participant' }
	},
	{
		name: 'Giorgio Servizi',
		email: 'giorgio.servizi@demo.tavolo',
		category: 'social_services',
		body: 'Servizi alla Persona di Pianoro',
		roles: { piana: 'participant', urbana: 'participant' }
	},
	{
		name: 'Sara Associazione',
		email: 'sara.associazione@demo.tavolo',
		category: 'user_associations',
		body: 'Associazione Ponti Aperti',
		roles: { urbana: 'participant' }
	},
	{
		name: 'Dario Impiego',
		email: 'dario.impiego@demo.tavolo',
		category: 'job_centre',
		body: "Centro per l'impiego (demo)",
		roles: { urbana: 'participant', montana: 'observer' }
	},
	{
		name: 'Chiara Osservatrice',
		email: 'chiara.osservatrice@demo.tavolo',
		category: 'third_sector',
		body: 'Forum del Terzo Settore (demo)',
		roles: { urbana: 'observer', piana: 'observer', montana: 'observer' }
	}
];

const tables = Object.freeze([
	{ key: 'urbana', name: 'Tavolo Area urbana', territory: 'Area urbana', description: 'Comuni del capoluogo e della prima cintura.' },
	{
		key: 'piana',
		name: 'Tavolo Area della piana',
		territory: 'Area della piana',
		description: 'Comuni della pianura e dei distretti industriali.'
	},
	{ key: 'montana', name: 'Tavolo Area montana', territory: 'Area montana', description: 'Comuni della montagna e delle valli interne.' }
]);

export interface DemoResult {
	created: boolean;
	tables: number;
	people: { email: string; description: string }[];
}

export async function loadDemoData(db: Db): Promise<DemoResult> {
	const existing = await db.selectFrom('programmes').select('id').where('name', '=', DEMO_PROGRAMME).executeTakeFirst();
	if (existing) return { created: false, tables: 0, people: [] };

	const programme = await insertProgramme(db, {
		name: DEMO_PROGRAMME,
		description: 'Programma fittizio per provare Tavolo: tre tavoli territoriali e un primo incontro ciascuno.'
	});
	const categories = await listCategories(db, programme.id);
	const categoryId = (key: string | undefined) => categories.find((c) => c.key === key)?.id ?? null;
	const passwordHash = await hashPassword(DEMO_PASSWORD);
	const hasUsers = Boolean(await db.selectFrom('users').select('id').executeTakeFirst());

	await db.transaction().execute(async (trx) => {
		const userIds = new Map<string, string>();
		for (const person of people) {
			const found = await trx.selectFrom('users').select('id').where('email', '=', person.email).executeTakeFirst();
			const id = found?.id ?? newId();
			if (!found) {
				await trx
					.insertInto('users')
					// Made by the operator's own command, for addresses of the fictional demo: verified.
					.values({
						id,
						email: person.email,
						name: person.name,
						password_hash: passwordHash,
						is_admin: Boolean(person.admin) && !hasUsers,
						email_verified_at: new Date()
					})
					.execute();
			}
			userIds.set(person.email, id);
		}
		// The first meeting of each table: two weeks from now, 15:00–17:00 Rome time, as in the letter.
		const start = new Date();
		start.setUTCDate(start.getUTCDate() + 14);
		start.setUTCHours(14, 0, 0, 0);
		for (const table of tables) {
			const tableId = newId();
			await trx
				.insertInto('tables')
				.values({ id: tableId, programme_id: programme.id, name: table.name, territory: table.territory, description: table.description })
				.execute();
			await trx
				.insertInto('table_expected_categories')
				.values(categories.map((c) => ({ table_id: tableId, category_id: c.id })))
				.execute();
			for (const person of people) {
				const role = person.roles[table.key];
				if (!role) continue;
				await trx
					.insertInto('memberships')
					.values({
						id: newId(),
						table_id: tableId,
						user_id: userIds.get(person.email)!,
						role,
						category_id: categoryId(person.category),
						represented_body: person.body
					})
					.execute();
			}
			const meetingId = newId();
			await trx
				.insertInto('meetings')
				.values({
					id: meetingId,
					table_id: tableId,
					title: `Primo incontro del ${table.name}`,
					starts_at: start,
					ends_at: new Date(start.getTime() + 2 * 3_600_000),
					video_url: 'https://videoconferenza.example/tavolo-demo',
					created_by: userIds.get(people[0].email)!
				})
				.execute();
			await trx
				.insertInto('yjs_updates')
				.values({ doc_name: agendaDocName(meetingId), update: agendaTemplateUpdate('first_meeting') })
				.execute();
			await trx
				.insertInto('documents')
				.values({
					id: newId(),
					table_id: tableId,
					kind: 'protocol',
					title: 'Protocollo operativo di accoglienza',
					created_by: userIds.get(people[0].email)!
				})
				.execute();
		}
	});
	return {
		created: true,
		tables: tables.length,
		people: people.map((p) => ({ email: p.email, description: `${p.name}, ${p.body}` }))
	};
}
