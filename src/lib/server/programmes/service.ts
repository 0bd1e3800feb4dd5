import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SessionUser } from '../auth/sessions.ts';
import { authorizeGlobal } from '../authz/access.ts';
import { fields, parseInput, textLimits } from '../validation.ts';

/**
 * The stakeholder categories every new programme starts with: the list of the convocation letter
 * (shared/context/lettera-convocazione-tavoli.txt), plus the job centre and the third sector it
 * also addresses. Coordinators of a programme may add more.
 */
export const defaultCategories = [
	{ key: 'mayors', it: 'Sindaci dei Comuni', en: 'Mayors' },
	{ key: 'councillors', it: 'Assessori Politiche Socio Sanitarie e Istruzione', en: 'Councillors for social, health and education policy' },
	{ key: 'school_heads', it: 'Dirigenti scolastici e/o Funzioni strumentali', en: 'School heads' },
	{ key: 'social_services', it: 'Responsabili Servizi alla Persona', en: 'Social-services managers' },
	{ key: 'user_associations', it: 'Rappresentanti Associazioni utenti', en: 'User associations' },
	{ key: 'steering_committee', it: 'Rappresentanti Cabina di Regia', en: 'Steering committee' },
	{ key: 'job_centre', it: "Centro per l'impiego", en: 'Job centre' },
	{ key: 'third_sector', it: 'Terzo settore', en: 'Third sector' }
] as const;

export interface Category {
	id: string;
	key: string;
	labelIt: string;
	labelEn: string;
}

export interface Programme {
	id: string;
	name: string;
	description: string;
	isDefault: boolean;
	tableCount: number;
}

async function insertDefaultCategories(db: Db, programmeId: string): Promise<void> {
	await db
		.insertInto('stakeholder_categories')
		.values(
			defaultCategories.map((c, position) => ({
				id: newId(),
				programme_id: programmeId,
				key: c.key,
				label_it: c.it,
				label_en: c.en,
				position
			}))
		)
		.execute();
}

/** Makes sure the deployment has an organization and a default programme; safe to call often. */
export async function ensureDefaultProgramme(db: Db): Promise<string> {
	const existing = await db.selectFrom('programmes').select('id').where('is_default', '=', true).executeTakeFirst();
	if (existing) return existing.id;
	return db.transaction().execute(async (trx) => {
		let organization = await trx.selectFrom('organizations').select('id').executeTakeFirst();
		if (!organization) {
			organization = { id: newId() };
			await trx.insertInto('organizations').values({ id: organization.id, name: 'Tavolo' }).execute();
		}
		const id = newId();
		await trx
			.insertInto('programmes')
			.values({ id, organization_id: organization.id, name: 'Programma predefinito', is_default: true })
			.execute();
		await insertDefaultCategories(trx, id);
		return id;
	});
}

export const programmeInput = z.object({
	name: fields.title,
	description: fields.description
});

/** A new programme, with the default categories (admins only). */
export async function createProgramme(db: Db, user: SessionUser, input: unknown): Promise<Programme> {
	authorizeGlobal(user, 'programme.manage');
	return insertProgramme(db, input);
}

/** The programme itself, asked for by the process (the demo data), not by a user. */
export async function insertProgramme(db: Db, input: unknown): Promise<Programme> {
	const { name, description } = parseInput(programmeInput, input);
	const defaultId = await ensureDefaultProgramme(db);
	const { organization_id: orgId } = await db
		.selectFrom('programmes')
		.select('organization_id')
		.where('id', '=', defaultId)
		.executeTakeFirstOrThrow();
	const id = newId();
	await db.transaction().execute(async (trx) => {
		await trx.insertInto('programmes').values({ id, organization_id: orgId, name, description }).execute();
		await insertDefaultCategories(trx, id);
	});
	return { id, name, description, isDefault: false, tableCount: 0 };
}

/** Every programme, with how many tables each has (admins only). */
export async function listProgrammes(db: Db, user: SessionUser): Promise<Programme[]> {
	authorizeGlobal(user, 'programme.manage');
	const rows = await db
		.selectFrom('programmes')
		.leftJoin('tables', 'tables.programme_id', 'programmes.id')
		.select(['programmes.id', 'programmes.name', 'programmes.description', 'programmes.is_default'])
		.select((eb) => eb.fn.count<number>('tables.id').as('table_count'))
		.groupBy(['programmes.id', 'programmes.name', 'programmes.description', 'programmes.is_default', 'programmes.created_at'])
		.orderBy('programmes.created_at')
		.execute();
	return rows.map((r) => ({
		id: r.id,
		name: r.name,
		description: r.description,
		isDefault: r.is_default,
		tableCount: Number(r.table_count)
	}));
}

/** `GET /api/v1/programmes/:id/categories` (admins only); services read them with listCategories. */
export async function listProgrammeCategories(db: Db, user: SessionUser, programmeId: string): Promise<Category[]> {
	authorizeGlobal(user, 'category.manage');
	return listCategories(db, programmeId);
}

export async function listCategories(db: Db, programmeId: string): Promise<Category[]> {
	const rows = await db
		.selectFrom('stakeholder_categories')
		.select(['id', 'key', 'label_it', 'label_en'])
		.where('programme_id', '=', programmeId)
		.orderBy('position')
		.orderBy('label_it')
		.execute();
	return rows.map((r) => ({ id: r.id, key: r.key, labelIt: r.label_it, labelEn: r.label_en }));
}

export const categoryInput = z.object({
	labelIt: z.string().trim().min(1).max(textLimits.name),
	labelEn: z.string().trim().max(textLimits.name).default('')
});

/** A category added to a programme's list (admins only). */
export async function addCategory(db: Db, user: SessionUser, programmeId: string, input: unknown): Promise<Category> {
	authorizeGlobal(user, 'category.manage');
	const { labelIt, labelEn } = parseInput(categoryInput, input);
	const programme = await db.selectFrom('programmes').select('id').where('id', '=', programmeId).executeTakeFirst();
	if (!programme) throw new AppError('not_found');
	const { max } = await db
		.selectFrom('stakeholder_categories')
		.select((eb) => eb.fn.max<number>('position').as('max'))
		.where('programme_id', '=', programmeId)
		.executeTakeFirstOrThrow();
	const category = { id: newId(), key: `custom_${newId(5)}`, labelIt, labelEn: labelEn || labelIt };
	await db
		.insertInto('stakeholder_categories')
		.values({
			id: category.id,
			programme_id: programmeId,
			key: category.key,
			label_it: category.labelIt,
			label_en: category.labelEn,
			position: Number(max ?? 0) + 1
		})
		.execute();
	return category;
}
